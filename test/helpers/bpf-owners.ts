import { readFileSync } from 'node:fs';
import type { TestContext } from 'vitest';
import { bpfUnavailable, walkOwnersBpf } from '../../src/inventory/linux/bpf-owners.js';
import { nativeAddon, type NativeAddon } from '../../src/inventory/linux/native.js';

/** The checked-in owners program (native/bpf/owners.bpf.o), as the tests load it. */
export const ownersObject = readFileSync(new URL('../../native/bpf/owners.bpf.o', import.meta.url));

let whyNot: string | undefined;

/** The addon, with its optional bpfOwners known to be there. */
export type WithBpfOwners = NativeAddon & Required<Pick<NativeAddon, 'bpfOwners'>>;

/**
 * Skips the test when BPF owners cannot run on this machine (bpfUnavailable: no addon, not root, another PID
 * namespace; or libbpf.so.1 missing, found by one pass over nothing), else returns the addon. Any other failure
 * of that pass is portscope's, and fails the test. The reason is kept for the file's other tests.
 */
export async function addonWithBpf(context: TestContext): Promise<WithBpfOwners> {
  const addon = nativeAddon() ?? null;
  whyNot ??= bpfUnavailable(addon);
  if (whyNot === undefined && addon !== null) {
    await walkOwnersBpf(addon, new Set([0]), ownersObject).catch((error: unknown) => {
      const { code, message } = error as { code?: string; message: string };
      if (code === 'ENOENT' && message.startsWith('libbpf')) whyNot = message;
    });
  }
  if (whyNot !== undefined || addon?.bpfOwners === undefined) {
    return context.skip(`BPF cannot run here: ${whyNot ?? 'no addon'}`);
  }
  return addon as WithBpfOwners;
}

/** Triples `inode/pid/fd` of a flat [inode, pid, fd] array (of `pids` only, when given), sorted; repeats kept. */
export function triplesOf(flat: ArrayLike<number>, pids?: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    if (pids !== undefined && !pids.includes(flat[i + 1] ?? -1)) continue;
    out.push(`${String(flat[i])}/${String(flat[i + 1])}/${String(flat[i + 2])}`);
  }
  return out.sort();
}
