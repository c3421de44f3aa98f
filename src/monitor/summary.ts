import { listSockets } from '../inventory/list-sockets.js';
import type { NetnsSelector } from '../inventory/options.js';
import type { Protocol } from '../model/index.js';
import { netnsOfSocket } from './listeners.js';
import type { Listener, SocketCount, SummaryEvent } from './types.js';

/**
 * A `summary` event: one listing of every socket of `protocols` (no owners: no fd walk) counted by
 * netns, protocol and state, plus each listener's accept queue and backlog from the last poll.
 */
export async function summarize(
  netns: NetnsSelector,
  protocols: readonly Protocol[],
  listeners: readonly Listener[],
): Promise<SummaryEvent> {
  const snapshot = await listSockets({ protocols, owners: false, netns });
  const names = new Map(snapshot.namespaces.map((n) => [n.netns, n.name]));
  const counts = new Map<string, { -readonly [K in keyof SocketCount]: SocketCount[K] }>();
  for (const s of snapshot.sockets) {
    // Counted by state: a socket whose state no tool gave (macOS) has no row to count in.
    if (s.state === undefined) continue;
    const netns = netnsOfSocket(s);
    const key = `${String(netns)} ${s.protocol} ${s.state}`;
    const count = counts.get(key);
    if (count !== undefined) {
      count.count++;
      continue;
    }
    const name = netns === undefined ? undefined : names.get(netns);
    counts.set(key, {
      ...(netns === undefined ? {} : { netns }),
      ...(name === undefined ? {} : { netnsName: name }),
      protocol: s.protocol,
      state: s.state,
      count: 1,
    });
  }
  const sockets = [...counts.values()].sort(
    (a, b) => (a.netns ?? 0) - (b.netns ?? 0) || a.protocol.localeCompare(b.protocol) || a.state.localeCompare(b.state),
  );
  return {
    type: 'summary',
    time: new Date().toISOString(),
    sockets,
    listeners: listeners.map(({ key, acceptQueue, backlog }) => ({
      key,
      ...(acceptQueue === undefined ? {} : { acceptQueue }),
      ...(backlog === undefined ? {} : { backlog }),
    })),
  };
}
