import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

/** Runs the CLI in-process, counting stdout's writes. */
async function counted(args: readonly string[]): Promise<{ code: number; writes: number; stdout: string }> {
  let writes = 0;
  let stdout = '';
  const code = await run(args, {
    stdout: {
      write: (s: string) => {
        writes++;
        stdout += s;
        return true;
      },
    },
    stderr: { write: () => true },
    isTTY: false,
    columns: undefined,
    env: {},
    confirm: undefined,
  });
  return { code, writes, stdout };
}

describe('portscope scan --format csv and ndjson stream in batches', () => {
  it.each([
    ['csv', 1 + 2000],
    ['ndjson', 1 + 2000 + 1],
  ])('writes 2,000 results as %s lines, a write per batch, not per result', async (format, lines) => {
    const r = await counted(['scan', '127.0.0.1', '-Pn', '-p', '1-2000', '--format', format]);
    // 0 when something here listens on one of those ports, else 1.
    expect([0, 1]).toContain(r.code);
    const out = r.stdout.split('\n');
    expect(out.pop()).toBe('');
    expect(out).toHaveLength(lines);
    if (format === 'csv')
      expect(out[0]).toBe('address,hostname,protocol,port,state,reason,rtt_ms,tries,service,banner');
    else expect(JSON.parse(out[out.length - 1] ?? '')).toMatchObject({ kind: 'summary' });
    const ports = out.filter((l) =>
      format === 'csv' ? l.startsWith('127.0.0.1,,tcp,') : l.startsWith('{"kind":"port"'),
    );
    expect(ports).toHaveLength(2000);
    expect(r.writes).toBeGreaterThan(0);
    expect(r.writes).toBeLessThan(200);
  });
});
