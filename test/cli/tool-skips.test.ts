import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

/** Runs test/helpers/system.ts's hasTool twice for a tool that is not on PATH, in a fresh process. */
function askTwice(env: Record<string, string>) {
  const script = `import('./test/helpers/system.ts').then((m) => {
    process.stdout.write(JSON.stringify([m.hasTool('ncat', 'the ncat tests'), m.hasTool('ncat', 'more ncat tests')]));
  });`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
    env: { HOME: process.env.HOME ?? '/', PATH: `/nonexistent-${String(process.pid)}`, ...env },
  });
}

describe('tests that need a tool this machine lacks', () => {
  it('are skipped and named in one stderr line per missing tool', () => {
    const run = askTwice({});
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([false, false]);
    expect(run.stderr).toBe('skipped: the ncat tests: ncat is not installed\n');
  });

  it('fail instead with PORTSCOPE_REQUIRE_TOOLS=1 (as .ci/run sets it)', () => {
    const run = askTwice({ PORTSCOPE_REQUIRE_TOOLS: '1' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('PORTSCOPE_REQUIRE_TOOLS=1, but ncat is not installed: cannot run the ncat tests');
  });
});
