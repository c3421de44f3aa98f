import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** Whether the CLI's bundle (with its prefetch) is built: what the prefetch tests run. */
export const bundledCli = existsSync(new URL('../../dist/bundle/prefetch.js', import.meta.url));

const bin = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));

/**
 * The script run in the namespaces: loopback up, an empty /run/netns (a tmpfs: the host's pins unseen), with
 * `pspre-empty` pinned in it when `pinned`; the sockets' Python ($2) started and waited for; then strace of
 * `syscalls` on the command ($1: a work path; then `-o TRACE portscope...`).
 */
function scriptOf(syscalls: string, pinned: boolean): string {
  return `
ip link set lo up
mkdir -p /run/netns && mount -t tmpfs none /run/netns${pinned ? ' && ip netns add pspre-empty || exit 1' : ''}
python3 -c "$2" > "$1.ready" &
i=0
until grep -q ready "$1.ready" 2>/dev/null; do i=$((i + 1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done
holder=$!
shift 2
strace -f -qq -e trace=${syscalls} -o "$@"
status=$?
kill $holder
exit $status
`;
}

/**
 * A runner of `portscope VERB ARGS` alone in new network, mount and PID namespaces (`unshare -n -m -p -f
 * --mount-proc`), beside the sockets that the Python of `sockets` holds (it prints `ready`), under strace of
 * `syscalls` (e.g. `execve,sendto`), with `env` added; with `pinned`, one empty namespace is pinned under
 * /run/netns. Resolves with its stdout and the trace's lines, the main thread's id first (from its execve);
 * rejects on an exit code other than 0 (or those `allowed`). Its files live in a temporary directory removed
 * after the test file.
 */
export function tracedCli(prefix: string, sockets: string, syscalls: string, pinned = false) {
  const script = scriptOf(syscalls, pinned);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  let runs = 0;
  return async (verb: string, args: readonly string[], env: NodeJS.ProcessEnv, allowed: readonly number[] = []) => {
    const work = join(dir, String((runs += 1)));
    const trace = `${work}.trace`;
    const argv = ['-n', '-m', '-p', '-f', '--mount-proc', 'sh', '-c', script, 'sh', work, sockets, trace];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'unshare',
        [...argv, process.execPath, bin, verb, ...args],
        { env: { ...process.env, ...env }, timeout: 30_000 },
        (error, out) => {
          if (error === null || allowed.includes(Number(error.code))) resolve(out);
          else reject(new Error(`${verb} ${args.join(' ')}: ${error.message}`));
        },
      );
    });
    const lines = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    const main = lines.find((l) => l.includes('execve('))?.split(' ')[0];
    return { stdout, lines, main };
  };
}
