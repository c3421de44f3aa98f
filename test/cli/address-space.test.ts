import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtCli, builtCliArgv, commandWorks } from '../helpers/system.js';

const root = new URL('../../', import.meta.url).pathname;
const canLimit = builtCli && commandWorks('prlimit', ['--as=2000000000', 'true']);

/** Runs `args` under an address-space limit of `bytes`; at most 30 s. */
/** `stdout: 'ignore'` for a listing: on a host with many sockets it overflows spawnSync's 1 MiB buffer, which kills the child. */
function limited(
  bytes: number,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  stdout: 'pipe' | 'ignore' = 'pipe',
) {
  return spawnSync('prlimit', [`--as=${String(bytes)}`, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env,
    stdio: ['ignore', stdout, 'pipe'],
  });
}

/** Node 24 reserves more address space for V8 than Node 20: a bare `node -e 0` aborts under 1 GB. */
const nodeStartsUnder1G = canLimit && limited(1_000_000_000, [process.execPath, '-e', '0']).status === 0;
if (canLimit && !nodeStartsUnder1G) {
  process.stderr.write(
    `skipped: ls under a 1 GB address-space limit: node ${process.version} itself cannot start under 1 GB\n`,
  );
}

describe.skipIf(!canLimit)('under an address-space limit (prlimit --as)', () => {
  it.skipIf(!nodeStartsUnder1G)(
    'ls -tlp and ls -ap run to the end, every time, under 1 GB',
    () => {
      const env = { ...process.env };
      delete env.MALLOC_ARENA_MAX;
      const results = [];
      for (let run = 0; run < 4; run++) {
        for (const args of [
          ['ls', '-tlp'],
          ['ls', '-ap'],
        ]) {
          const r = limited(1_000_000_000, builtCliArgv(...args), env, 'ignore');
          results.push({ args: args.join(' '), status: r.status, signal: r.signal, stderr: r.stderr });
        }
      }
      for (const r of results) {
        expect(r).toMatchObject({ signal: null, stderr: '' });
        expect([0, 1]).toContain(r.status);
      }
    },
    120_000,
  );

  // The repeated run dies for real here: V8 runs out of its (small) heap and aborts.
  const runner = `
    import { rerunWithBoundedArenas } from '${root}dist/bundle/address-space.js';
    const code = await rerunWithBoundedArenas(JSON.parse(process.argv[1]), process.env, process.stderr);
    process.stdout.write(JSON.stringify({ code, arenas: process.env.MALLOC_ARENA_MAX ?? null }));
  `;
  const rerun = (argv: string[]) =>
    limited(4_000_000_000, [process.execPath, '--input-type=module', '-e', runner, JSON.stringify(argv)]);

  it('says in one line (exit 3) when the command runs out of memory', () => {
    const hog = 'const a = []; for (;;) a.push(new Array(1e5).fill(1));';
    const r = rerun(['--max-old-space-size=16', '-e', hog]);
    expect(JSON.parse(r.stdout)).toEqual({ code: 3, arenas: null });
    expect(r.stderr).toMatch(/^portscope: ran out of memory under the address-space limit of 4000000000 bytes .*\n$/);
  });

  it('passes stderr and the exit code through, and sets MALLOC_ARENA_MAX for the repeated run only', () => {
    const r = rerun(['-e', 'console.error(process.env.MALLOC_ARENA_MAX); process.exit(5)']);
    expect(JSON.parse(r.stdout)).toEqual({ code: 5, arenas: null });
    expect(r.stderr).toBe('2\n');
  });
});
