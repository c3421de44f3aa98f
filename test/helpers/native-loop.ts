import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeConnect } from '../../src/scan/probes/native-connect.js';

/** How many sockets this process holds (its fd table, /proc/self/fd). */
export function socketFds(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(join('/proc/self/fd', fd)).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

/** One probe of the native loop: an IPv4 or IPv6 loopback port. */
export interface LoopbackTarget {
  readonly v6?: boolean;
  readonly port: number;
}

/**
 * Starts one probe per target in one turn (2 s time-out each) and waits until every probe has reported:
 * index -> every outcome reported for it (a state for an answer, else the outcome's type), so that a
 * probe reported twice shows. Rejects when some probe has not reported within 10 s.
 */
export function probeAll(loop: NativeConnect, targets: readonly LoopbackTarget[]): Promise<Map<number, string[]>> {
  const outcomes = new Map<number, string[]>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${String(outcomes.size)} of ${String(targets.length)} probes answered in 10 s`));
    }, 10_000);
    for (const [i, t] of targets.entries()) {
      const onOutcome: Parameters<NativeConnect['probe']>[3] = (outcome) => {
        const list = outcomes.get(i) ?? [];
        list.push(outcome.type === 'answer' ? outcome.state : outcome.type);
        outcomes.set(i, list);
        if (outcomes.size === targets.length) {
          clearTimeout(timer);
          resolve(outcomes);
        }
      };
      loop.probe(t.v6 === true ? '::1' : '127.0.0.1', t.v6 === true ? 6 : 4, t.port, onOutcome, 2000);
    }
  });
}
