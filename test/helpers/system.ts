import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Facts about the test machine (for `skipIf`), and ways to run the built CLI. */

const root = new URL('../../', import.meta.url).pathname;

export const isRoot = process.getuid?.() === 0;

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
  return builtCli && isRoot && commandWorks('setpriv', [`--bounding-set=-${cap}`, 'true']);
}

/** Runs the built CLI as root but without the capability `cap`; at most 20 s. */
export function cliWithoutCapability(cap: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync('setpriv', [`--bounding-set=-${cap}`, `--inh-caps=-${cap}`, ...builtCliArgv(...args)], {
    encoding: 'utf8',
    timeout: 20_000,
  });
}
