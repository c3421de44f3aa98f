import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, chmodSync, constants, cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Facts about the test machine (for `skipIf`), and ways to run the built CLI. */

const root = new URL('../../', import.meta.url).pathname;

export const isRoot = process.getuid?.() === 0;

/** Set by .ci/run: a test that would be skipped for a missing tool (or root) fails instead. */
const requireTools = process.env.PORTSCOPE_REQUIRE_TOOLS === '1';
const reported = new Set<string>();

/**
 * Says once per test file, on stderr, which tests are skipped and why (`skipped: nc through a SOCKS5
 * proxy: microsocks is not installed`), and returns false for `skipIf`; with PORTSCOPE_REQUIRE_TOOLS=1
 * throws instead, so that the file fails rather than skip.
 */
function unavailable(what: string, why: string): false {
  if (requireTools) throw new Error(`PORTSCOPE_REQUIRE_TOOLS=1, but ${why}: cannot run ${what}`);
  if (!reported.has(why)) {
    reported.add(why);
    process.stderr.write(`skipped: ${what}: ${why}\n`);
  }
  return false;
}

/** True when an executable `tool` is on PATH (nothing is run: some tools start serving when run). */
export function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** For `skipIf`: true when `tool` is installed; else names the skipped tests `what` (see unavailable). */
export function hasTool(tool: string, what: string): boolean {
  return onPath(tool) || unavailable(what, `${tool} is not installed`);
}

/** For `skipIf`: true when the tests run as root; else names the skipped tests `what`. */
export function asRoot(what: string): boolean {
  return isRoot || unavailable(what, 'not running as root');
}

/** For `skipIf`: root and `ip`, so that `what` can build network namespaces. */
export function canMakeNetnsFor(what: string): boolean {
  return asRoot(what) && hasTool('ip', what);
}

/** True when `file args` runs and exits 0. */
export function commandWorks(file: string, args: readonly string[]): boolean {
  return spawnSync(file, args, { stdio: 'ignore' }).status === 0;
}

/** Root with `ip`: the test can create network namespaces. */
export const canMakeNetns = isRoot && commandWorks('ip', ['-V']);

/** `npm run build` has run: bin/portscope.js can start. */
export const builtCli = existsSync(`${root}dist/cli/main.js`);

/** The argv that runs the built CLI with `args` under this very node. */
export function builtCliArgv(...args: string[]): string[] {
  return [process.execPath, `${root}bin/portscope.js`, ...args];
}

/** Root, the built CLI and setpriv: the CLI can run without the capability `cap` (`kill`, `net_bind_service`). */
export function canDropCapability(cap: string): boolean {
  const what = `tests without CAP_${cap.toUpperCase()}`;
  return (
    builtCli && asRoot(what) && hasTool('setpriv', what) && commandWorks('setpriv', [`--bounding-set=-${cap}`, 'true'])
  );
}

/** Runs the built CLI as root but without the capability `cap`; at most 20 s. */
export function cliWithoutCapability(cap: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync('setpriv', [`--bounding-set=-${cap}`, `--inh-caps=-${cap}`, ...builtCliArgv(...args)], {
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** Root, the built CLI, and user nobody can run this very node (CI's Node 24 lives in a temporary directory). */
export const canDropRoot = (() => {
  if (!isRoot || !builtCli) return false;
  try {
    execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A world-readable copy of what the built CLI needs to run (dist, bin, the addon, the runtime
 * dependencies) in a new temporary directory, for runs as another user: the checkout itself may sit
 * in a directory that nobody cannot enter. `addon: false` leaves the native addon out, as an install
 * without a compiler would. The caller removes it.
 */
export function worldReadableCli(options: { addon?: boolean } = {}): string {
  const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const parts = [
    'dist',
    'bin',
    'package.json',
    ...(options.addon === false ? [] : ['build/Release/portscope_native.node']),
    ...Object.keys(dependencies).map((name) => `node_modules/${name}`),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'portscope-nobody-'));
  for (const part of parts) cpSync(join(root, part), join(dir, part), { recursive: true });
  chmodSync(dir, 0o755);
  return dir;
}
