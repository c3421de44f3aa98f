// Network namespaces for the many-namespaces case: `ip netns add psbench-PID-N` (names unique to this run),
// each with one holder (bench/holder.c) listening on 127.0.0.1:NETNS_PORT inside it. Deleted by
// `removeNamespaces`, by the exit hooks of bench/run.js on Ctrl-C or failure, and, when a run was killed
// (SIGKILL), by the next run: names of processes that no longer exist are removed at the start.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { spawnHolder, stopHolders } from './farm.js';

/** The port of each namespace's listener (inside its namespace; no farm port uses it). */
export const NETNS_PORT = 9090;
const PREFIX = 'psbench-';

function ipBatch(lines) {
  if (lines.length === 0) return;
  const r = spawnSync('ip', ['-force', '-batch', '-'], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`ip -batch: ${r.stderr.split('\n')[0]}\n`);
}

/** Removes namespaces left by earlier runs whose process no longer exists. */
export function removeStaleNamespaces() {
  const names = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  const stale = names.filter((n) => {
    const pid = /^psbench-(\d+)-/.exec(n)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !existsSync(`/proc/${pid}`);
  });
  ipBatch(stale.map((n) => `netns del ${n}`));
}

/**
 * An empty namespace of this run (`psbench-PID-empty`, no process, no socket), for the floor rows of
 * bench/cases.js; `removeSync()` deletes it. Removed by the next run, as the others, if this one is killed.
 */
export function emptyNamespace() {
  const name = `${PREFIX}${String(process.pid)}-empty`;
  ipBatch([`netns add ${name}`]);
  return { name, removeSync: () => ipBatch([`netns del ${name}`]) };
}

/** Namespace set of this run: `grow(count)` adds namespaces with a holder each; `remove()` deletes them all. */
export function namespaceSet(lifetimeS) {
  const names = [];
  const holders = [];
  const grow = async (count) => {
    const fresh = [];
    for (let i = names.length; i < count; i++) fresh.push(`${PREFIX}${String(process.pid)}-${String(i)}`);
    names.push(...fresh);
    ipBatch(fresh.map((n) => `netns add ${n}`));
    const ready = await Promise.all(
      fresh.map((n) => spawnHolder(['127.0.0.1', NETNS_PORT, 0, 0, 0, 0, lifetimeS, `/run/netns/${n}`])),
    );
    holders.push(...ready.map((r) => r.child));
    const failed = ready.filter((r) => !r.line.startsWith('ready ok'));
    if (failed.length > 0) throw new Error(`namespace holders not ready: ${failed[0].line}`);
  };
  /** Synchronous, so that it can run from a signal handler: the holders exit on their own when stdin closes. */
  const removeSync = () => {
    for (const h of holders) h.stdin.destroy();
    ipBatch(names.splice(0).map((n) => `netns del ${n}`));
  };
  const remove = async () => {
    await stopHolders(holders.splice(0));
    removeSync();
  };
  return { names, grow, remove, removeSync };
}
