import type { OwnerSource } from '../../model/index.js';
import { bpfUnavailable, walkOwnersBpf, walkProcessBpf } from './bpf-owners.js';
import type { FdWalkResult } from './fd-walk.js';
import { startFdWalk } from './fd-walk-parallel.js';
import type { NativeAddon } from './native.js';
import { LARGE_FD_TABLE, walkUntilFound, type LargeTableWalk } from './walk-until-found.js';

/** The reason `who` (stopWhenFound) keeps the walk, as root. */
export const EARLY_STOP = `stopWhenFound: the walk that stops at the first holders costs less than a pass over every process (it reads fd tables over ${String(LARGE_FD_TABLE)} with the BPF iterator, one process each)`;

/** An owner walk's result and where it came from. */
export interface OwnerWalk {
  readonly walk: FdWalkResult;
  readonly source: OwnerSource;
}

/**
 * Starts the owner search of `pids`' sockets (of the `wanted` inodes only, when given), chosen once: one
 * pass of the BPF task_file iterator when it can run (see bpfUnavailable: PORTSCOPE_BPF, the addon, root,
 * the initial PID namespace) and loads, else the /proc/PID/fd walk as before: `startFdWalk`. With
 * `stopWhenFound` (and `wanted`), always `walkUntilFound`, which stops early: cheaper than a pass over every
 * process; as root it reads the fd tables over LARGE_FD_TABLE with the BPF iterator, one process each. The
 * returned source says which, and why not BPF.
 * `object`: the BPF program's bytes (default: the checked-in native/bpf/owners.bpf.o).
 * @throws PortscopeError `INVALID_ARGUMENT` (synchronously) when PORTSCOPE_BPF is neither 0 nor 1.
 */
export function walkOwners(
  pids: readonly number[],
  socketCount: number,
  wanted: ReadonlySet<number> | null,
  addon: NativeAddon | null,
  stopWhenFound: boolean,
  object?: Buffer,
): Promise<OwnerWalk> {
  const unavailable = bpfUnavailable(addon);
  const procfs = async (reason: string, large?: LargeTableWalk): Promise<OwnerWalk> => ({
    walk: await (stopWhenFound && wanted !== null
      ? walkUntilFound(pids, wanted, addon, large)
      : startFdWalk(pids, socketCount, wanted, addon)),
    source: { source: 'procfs', reason },
  });
  if (unavailable !== undefined || addon === null) return procfs(unavailable ?? 'no native addon');
  // A pass over every process costs ~0.4 us per fd of the host (40 ms at 100k sockets), more than a walk that
  // stops at the first holders (a dev server: a few hundred fds); the program itself loads in ~9 ms.
  if (stopWhenFound && wanted !== null) {
    return procfs(EARLY_STOP, (pid, inodes) => walkProcessBpf(addon, pid, inodes, object));
  }
  return walkOwnersBpf(addon, wanted, object).then(
    (walk): OwnerWalk => ({ walk, source: { source: 'bpf' } }),
    (error: unknown) => procfs(error instanceof Error ? error.message : String(error)),
  );
}
