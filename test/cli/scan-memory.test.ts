import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtCli, builtCliArgv } from '../helpers/system.js';

const root = new URL('../../', import.meta.url).pathname;

/** Runs the built CLI with a JavaScript heap of `heapMb` (NODE_OPTIONS), at most `timeoutMs`. */
function lowHeapCli(heapMb: number, timeoutMs: number, ...args: string[]) {
  const [node = process.execPath, ...rest] = builtCliArgv(...args);
  return spawnSync(node, rest, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=${String(heapMb)}` },
  });
}

describe.skipIf(!builtCli)('portscope scan in a small heap', () => {
  it.each([
    [[], '--format table'],
    [['--json'], '--format json'],
    [['--output-xml', '-'], '--output-xml'],
  ])('refuses up front a loopback scan whose kept results would not fit (%j), with the estimate', (flags, keptFor) => {
    // 255 hosts x 2,000 ports: about 510,000 results, far more than a 32 MB heap holds.
    const r = lowHeapCli(32, 30_000, 'scan', '127.0.0.1-255', '-Pn', '-p', '1-2000', ...flags);
    expect(r.error).toBeUndefined();
    expect(r.stderr).toMatch(
      new RegExp(
        `^portscope: Refusing to scan 255 hosts x 2,000 ports: ${keptFor} keeps every result, about \\d+ MB for 510,000 results, more than the \\d+ MB of heap free; use --format ndjson or --format csv \\(they stream and keep nothing\\), .*--max-old-space-size=MB\\)\\n$`,
      ),
    );
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });

  it('streams --format ndjson over 100 loopback hosts x 1,000 ports in a 48 MB heap (keeping them all did not fit)', async () => {
    const [node = process.execPath, ...rest] = builtCliArgv(
      'scan',
      '127.0.0.1-100',
      '-Pn',
      '-p',
      '1-1000',
      '--format',
      'ndjson',
    );
    const child = spawn(node, rest, {
      env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=48' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 150_000,
    });
    // Counted as it comes: the test keeps no more of the output than the CLI should.
    let lines = 0;
    let last = '';
    let summaryLine = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = last + chunk.toString('utf8');
      const parts = text.split('\n');
      last = parts.pop() ?? '';
      lines += parts.length;
      if (parts.length > 0) summaryLine = parts[parts.length - 1] ?? '';
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => {
        resolve([c, s]);
      }),
    );
    expect(signal).toBeNull();
    expect(stderr).toMatch(/^portscope: 100 hosts \(100 up\), 100000 port results, \d+ open, in [\d.]+ s/);
    expect([0, 1]).toContain(code);
    expect(lines).toBe(100 + 100_000 + 1);
    const summary = JSON.parse(summaryLine) as { kind: string; ports: Record<string, number> };
    expect(summary.kind).toBe('summary');
    expect(Object.values(summary.ports).reduce((a, b) => a + b, 0)).toBe(100_000);
  }, 160_000);

  it('says in one line that the heap ran out, instead of dying with no word of ours', () => {
    // The heap watcher of the scan command, in a 64 MB heap filled until it nearly runs out.
    const script = `
      import { watchHeap } from '${root}dist/cli/scan-memory.js';
      watchHeap((message) => { process.stdout.write(message + '\\n'); process.exit(3); }, 5);
      const kept = [];
      const fill = () => { for (let i = 0; i < 1000; i++) kept.push({ i, text: 'x' + String(i) }); setTimeout(fill, 1); };
      fill();`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout).toMatch(
      /^Stopped the scan: the heap holds \d+ MB of its 64 MB limit; use --format ndjson or --format csv/,
    );
    expect(r.stdout.split('\n')).toHaveLength(2);
    expect(r.status).toBe(3);
  });
});
