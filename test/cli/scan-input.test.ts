import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { builtCli, builtCliArgv } from '../helpers/system.js';

const dir = mkdtempSync(join(tmpdir(), 'portscope-scan-input-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the built CLI with a 64 MB JavaScript heap, at most 30 s. */
function smallHeapCli(...args: string[]) {
  const [node = process.execPath, ...rest] = builtCliArgv(...args);
  return spawnSync(node, ['--max-old-space-size=64', ...rest], { encoding: 'latin1', timeout: 30_000 });
}

describe('portscope scan -iL reads target files as a stream', () => {
  const bigLine = join(dir, 'big-line.txt');
  writeFileSync(bigLine, `127.0.0.1\n${'a'.repeat(2 * 1024 * 1024)}\n127.0.0.2\n`);
  const binary = join(dir, 'binary.txt');
  writeFileSync(
    binary,
    Buffer.concat([Buffer.from('127.0.0.1\n# ok\n'), Buffer.from([0x31, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0x0a])]),
  );

  const longWord = join(dir, 'long-word.txt');
  writeFileSync(longWord, `127.0.0.1 ${'b'.repeat(60_000)}%\n`);

  it.skipIf(!builtCli).each([
    [
      '/dev/zero',
      /^portscope: Expected text in the target file, got the byte 0x00 at `\/dev\/zero:1` column 1 \(starts `(\\x00){20}\.\.\.`\)\n$/,
    ],
    [
      bigLine,
      /^portscope: Expected lines of at most 65,536 bytes in the target file, got a longer one at `[^`]+big-line\.txt:2` \(starts `a{80}\.\.\.`\)\n$/,
    ],
    [
      binary,
      /^portscope: Expected text in the target file, got the byte 0x1b at `[^`]+binary\.txt:3` column 2 \(starts `1\\x1b\[2J\\x00\\xff`\)\n$/,
    ],
    [
      longWord,
      /^portscope: Expected a target \(an IP address, CIDR .*, or a host name\), got an invalid host name: `b{80}\.\.\.`\n$/,
    ],
  ])('refuses %s with one short, escaped line and exit 2, in a 64 MB heap', (file, message) => {
    const r = smallHeapCli('scan', '-iL', file, '-Pn', '-p', '1');
    expect(r.error).toBeUndefined();
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(message);
    // Printable ASCII only: no raw byte of the file reaches the terminal.
    expect(r.stderr).toMatch(/^[\x20-\x7e]*\n$/);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });

  it.skipIf(!builtCli)('reads stdin (-iL -) the same way, naming it stdin', () => {
    const [node = process.execPath, ...rest] = builtCliArgv('scan', '-iL', '-', '-Pn', '-p', '1');
    const r = spawnSync(node, ['--max-old-space-size=64', ...rest], {
      input: Buffer.from([0x31, 0x32, 0x37, 0x0a, 0x07]),
      encoding: 'latin1',
      timeout: 30_000,
    });
    expect(r.stderr).toMatch(
      /^portscope: Expected text in the target file, got the byte 0x07 at `stdin:2` column 1 \(starts `\\x07`\)\n$/,
    );
    expect(r.status).toBe(2);
  });

  it('applies --max-targets while reading, naming the line where the file went past it', async () => {
    const many = join(dir, 'many.txt');
    writeFileSync(many, Array.from({ length: 20 }, (_, i) => `127.0.0.${String(i + 1)}`).join('\n'));
    const r = await cli(['scan', '-iL', many, '--max-targets', '5', '-Pn', '-p', '1']);
    expect(r.stderr).toMatch(
      /^portscope: Refusing to read more than --max-targets 5 targets: narrow the target file or raise --max-targets \(at `[^`]+many\.txt:6`\)\n$/,
    );
    expect(r.code).toBe(2);
  });

  it('reads CRLF lines, commas, comments and a last line without a newline', async () => {
    const list = join(dir, 'crlf.txt');
    writeFileSync(list, '# hosts\r\n127.0.0.1,127.0.0.2\r\n\r\n127.0.0.3 # last');
    const r = await cli(['scan', '-iL', list, '-Pn', '-p', '1', '--format', 'ndjson']);
    const hosts = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; address?: string })
      .filter((e) => e.kind === 'host')
      .map((e) => e.address);
    expect(hosts).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });
});

describe('portscope scan flag errors name the flag, not the library option', () => {
  it.each([
    [['--max-targets', '0'], /^portscope: Expected --max-targets to be a positive integer, got `0`$/m],
    [['--min-rtt-timeout', '0'], /^portscope: Expected --min-rtt-timeout to be at least 1ms, got `0`$/m],
    [['--max-rtt-timeout', '0ms'], /^portscope: Expected --max-rtt-timeout to be at least 1ms, got `0ms`$/m],
    [['--initial-rtt-timeout', '0'], /^portscope: Expected --initial-rtt-timeout to be at least 1ms, got `0`$/m],
    [['--service-wait', '0'], /^portscope: Expected --service-wait to be at least 1ms, got `0`$/m],
    [['--max-retries', '1.5'], /^portscope: Expected --max-retries to be a non-negative integer, got `1\.5`$/m],
    [['--max-parallelism', '0.5'], /^portscope: Expected --max-parallelism to be a non-negative integer, got `0\.5`$/m],
    [
      ['--min-rate', '10', '--max-rate', '5'],
      /^portscope: Expected --min-rate \(10 probes\/s\) to be at most --max-rate \(5 probes\/s\)$/m,
    ],
    [
      ['--min-rtt-timeout', '2s', '--max-rtt-timeout', '1s'],
      /^portscope: Expected --min-rtt-timeout \(2000 ms\) to be at most --max-rtt-timeout \(1000 ms\)$/m,
    ],
  ])('%j: one line, exit 2', async (flags, message) => {
    const r = await cli(['scan', '127.0.0.1', '-Pn', '-p', '1', ...flags]);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.code).toBe(2);
  });
});
