import { describe, expect, it } from 'vitest';
import { parseExcludedPortRanges } from '../../../src/inventory/win32/parse-excluded-ports.js';
import { windowsFixture } from '../../helpers/fake-windows-tools.js';

/** The number pairs a reader of the capture sees, and whether netsh starred them. */
function pairs(name: string): { start: number; end: number; administered: boolean }[] {
  return windowsFixture(name)
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => /^\d+$/.test(f[0] ?? '') && /^\d+$/.test(f[1] ?? ''))
    .map((f) => ({ start: Number(f[0]), end: Number(f[1]), administered: f[2] === '*' }));
}

describe('parseExcludedPortRanges on recorded netsh output', () => {
  it.each([
    'netsh-excludedportrange-tcp-localsend-125.txt',
    'netsh-excludedportrange-tcp-ko-cb-coffeehouse-81.txt',
    'netsh-excludedportrange-tcp-hyperv-clash-1688.txt',
    'netsh-excludedportrange-tcp-gvr-1002.txt',
    'netsh-excludedportrange-tcp-es-wsl-5306.txt',
  ])('%s: every range, by numbers only', (name) => {
    const expected = pairs(name);
    expect(expected.length).toBeGreaterThan(5);
    expect(parseExcludedPortRanges(windowsFixture(name))).toEqual(expected);
  });

  it('marks the administered (`*`) range of a Hyper-V machine', () => {
    const ranges = parseExcludedPortRanges(windowsFixture('netsh-excludedportrange-tcp-localsend-125.txt'));
    expect(ranges.filter((r) => r.administered)).toEqual([{ start: 50000, end: 50059, administered: true }]);
  });

  it('finds no range in Chinese output without any (headers and footnote are not ranges)', () => {
    expect(parseExcludedPortRanges(windowsFixture('netsh-excludedportrange-tcp-zh-empty-clash-1688.txt'))).toEqual([]);
  });
});
