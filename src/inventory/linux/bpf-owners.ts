import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PortscopeError } from '../../errors.js';
import { packageRoot } from '../../package-root.js';
import type { FdWalkResult } from './fd-walk.js';
import type { NativeAddon } from './native.js';
import { readSmallText } from './read-proc.js';

/** CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF (linux/capability.h): loading a tracing program takes the last two, or the first. */
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** The inode of the initial PID namespace (PROC_PID_INIT_INO): the iterator's pids are that namespace's. */
const INIT_PID_NS = 'pid:[4026531836]';

/** Whether the effective capabilities (CapEff of /proc/self/status, hex) allow loading a BPF iterator. */
export function capsAllowBpf(status: string): boolean {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) return false;
  const caps = BigInt(`0x${hex}`);
  const has = (bit: bigint) => ((caps >> bit) & 1n) === 1n;
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

/**
 * Whether the environment variable `PORTSCOPE_BPF` allows BPF: unset, empty or `1` yes (when it can),
 * `0` no (for tests and debugging: forces the /proc/PID/fd walk). Read on every call.
 * @throws PortscopeError `INVALID_ARGUMENT` for any other value.
 */
export function bpfAllowedByEnv(): boolean {
  const value = process.env['PORTSCOPE_BPF'] ?? '';
  if (value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new PortscopeError('INVALID_ARGUMENT', `Expected PORTSCOPE_BPF to be 0 or 1, got \`${value}\``);
}

let objectBytes: Buffer | undefined;

/** The checked-in CO-RE object (native/bpf/owners.bpf.o, built by scripts/build-bpf.js), read once. */
function ownersObject(): Buffer {
  objectBytes ??= readFileSync(join(packageRoot(), 'native/bpf/owners.bpf.o'));
  return objectBytes;
}

/**
 * Why owners cannot come from BPF here, checked before trying (the load's own failure is the other
 * reason, known only by trying): undefined when it is worth trying. Reads /proc/self/status and
 * /proc/self/ns/pid.
 */
export function bpfUnavailable(addon: NativeAddon | null): string | undefined {
  if (!bpfAllowedByEnv()) return 'PORTSCOPE_BPF=0';
  if (addon === null) return 'no native addon (backend procfs, or not built)';
  if (addon.bpfOwners === undefined) return 'the native addon was built without BPF support: rebuild it';
  if (!capsAllowBpf(readSmallText('/proc/self/status') ?? '')) return 'not root (needs CAP_BPF and CAP_PERFMON)';
  let pidns = '';
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {
    // unreadable: treated as a PID namespace of its own, below
  }
  if (pidns !== INIT_PID_NS) return "in a PID namespace of its own (the kernel's pids would not match /proc)";
  return undefined;
}

/**
 * Owners of every socket (of the `wanted` inodes only, when given) from one pass of the BPF task_file
 * iterator, in the fd walk's shape. Nothing is ever denied or gone: the kernel walks every fd table.
 * `object`: the program's bytes (default: the checked-in object).
 * @throws Error (rejects) with the reason the program could not be loaded or run (see NativeAddon.bpfOwners).
 */
export async function walkOwnersBpf(
  addon: NativeAddon,
  wanted: ReadonlySet<number> | null,
  object: Buffer = ownersObject(),
): Promise<FdWalkResult> {
  if (addon.bpfOwners === undefined) throw new Error('the native addon has no bpfOwners');
  const holders = await addon.bpfOwners(object, wanted === null ? undefined : Uint32Array.from(wanted));
  return { holders, denied: [], gone: [] };
}

/**
 * The owners of the `wanted` inodes in one process's fd table (`pid`, of the initial PID namespace) from the
 * BPF task_file iterator restricted to it, in the fd walk's shape: walkUntilFound's LargeTableWalk (a table of
 * 17,805 fds in 15 ms, against 36 ms for /proc/PID/fd on two threads). A process that is gone gives no triples.
 * @throws Error (rejects) with the reason the program could not be loaded or run (see NativeAddon.bpfOwners).
 */
export async function walkProcessBpf(
  addon: NativeAddon,
  pid: number,
  wanted: ReadonlySet<number>,
  object: Buffer = ownersObject(),
): Promise<FdWalkResult> {
  if (addon.bpfOwners === undefined) throw new Error('the native addon has no bpfOwners');
  const holders = await addon.bpfOwners(object, Uint32Array.from(wanted), pid);
  return { holders, denied: [], gone: [] };
}
