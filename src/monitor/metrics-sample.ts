import type { NamespaceInfo, Snapshot, Socket } from '../model/index.js';
import { isListener } from './listeners.js';

/** One listener as `portscope_listener_info` labels it: no pid, no peer, so the label set stays bounded. */
export interface ListenerLabels {
  readonly netns: string;
  readonly protocol: string;
  readonly family: string;
  readonly address: string;
  readonly port: string;
  /** The holders' `comm`, distinct and sorted, joined by `,`; '' when no owner was seen. */
  readonly process: string;
  /** The holders' user names (else the socket's uid); '' when unknown. */
  readonly user: string;
  /** systemd units of the holders, distinct, joined by `,`; '' when none. */
  readonly unit: string;
  /** Container names (else the first 12 digits of the id), distinct, joined by `,`; '' when none. */
  readonly container: string;
}

/** The accept queue of TCP listeners with the same endpoint (SO_REUSEPORT groups are summed). */
export interface AcceptQueue {
  readonly labels: Pick<ListenerLabels, 'netns' | 'protocol' | 'address' | 'port'>;
  /** Connections waiting in the accept queue (Recv-Q of the LISTEN socket). */
  readonly length: number;
  /** Its maximum (Send-Q: the listen() backlog); absent where the kernel did not say (procfs). */
  readonly limit?: number;
}

/** What one collection saw, before it is turned into Prometheus metrics. */
export interface MetricsSample {
  readonly listeners: ListenerLabels[];
  /** Socket counts keyed by netns, protocol and state. */
  readonly sockets: { readonly netns: string; readonly protocol: string; readonly state: string; count: number }[];
  readonly acceptQueues: AcceptQueue[];
  /** TcpExt:ListenOverflows and ListenDrops per namespace whose counters could be read. */
  readonly listenCounters: { readonly netns: string; readonly overflows: number; readonly drops: number }[];
}

/** How {@link sampleSnapshot} reads what a snapshot lacks. */
export interface SampleSources {
  /** The kernel's ephemeral port range (inclusive): unconnected UDP sockets in it are clients, not listeners. */
  readonly ephemeral: { readonly from: number; readonly to: number };
  /** /proc/net/netstat counters of a namespace (`TcpExt:ListenOverflows`...), or undefined when unreadable. */
  readonly netstatOf: (ns: NamespaceInfo, snapshot: Snapshot) => ReadonlyMap<string, number> | undefined;
}

/** The `netns` label: `host` for the collector's own namespace, its /run/netns name, else its inode. */
export function netnsLabel(ns: NamespaceInfo | undefined, inode: number | undefined): string {
  if (ns?.isHost === true) return 'host';
  if (ns?.name !== undefined) return ns.name;
  return inode === undefined ? '' : String(inode);
}

/**
 * True for a socket the exporter reports as a listener: watch's rule ({@link isListener}: TCP/MPTCP in
 * LISTEN, ephemeral ones included; unconnected UDP bound outside the ephemeral range), without unix
 * sockets (the metrics are about network ports).
 */
function isNetworkListener(socket: Socket, ephemeral: SampleSources['ephemeral']): boolean {
  if (socket.protocol === 'unix' || socket.local.port === 0) return false;
  return isListener(socket, ephemeral, false);
}

const distinct = (values: (string | undefined)[]) =>
  [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))].sort().join(',');

/**
 * The fields the platform change may make optional (absent outside Linux): read through this view so an
 * absent value stays absent instead of becoming 0.
 */
interface MaybeCounts {
  readonly uid?: number;
  readonly recvQ?: number;
  readonly sendQ?: number;
  readonly netns?: number;
}
const maybe = (socket: Socket): MaybeCounts => socket;

function listenerLabels(socket: Socket, netns: string): ListenerLabels {
  const { owners } = socket;
  const { uid } = maybe(socket);
  const users = distinct(owners.map((o) => o.user ?? String(o.uid)));
  return {
    netns,
    protocol: socket.protocol,
    family: socket.family,
    address: socket.local.address,
    port: String(socket.local.port),
    process: distinct(owners.map((o) => o.command)),
    user: users !== '' || uid === undefined ? users : String(uid),
    unit: distinct(owners.map((o) => o.systemdUnit)),
    container: distinct(owners.map((o) => o.container?.name ?? o.container?.id.slice(0, 12))),
  };
}

/**
 * Turns a snapshot into the facts the exporter publishes. Pure but for `sources.netstatOf`. Recv-Q/Send-Q
 * that the snapshot lacks stay absent (never 0); the accept-queue limit is published only for namespaces
 * read through sock_diag, since /proc/net/tcp shows 0 there.
 */
export function sampleSnapshot(snapshot: Snapshot, sources: SampleSources): MetricsSample {
  const byInode = new Map(snapshot.namespaces.map((ns) => [ns.netns, ns]));
  const label = (inode: number | undefined) => netnsLabel(inode === undefined ? undefined : byInode.get(inode), inode);
  const listeners = new Map<string, ListenerLabels>();
  const counts = new Map<string, MetricsSample['sockets'][number]>();
  const queues = new Map<string, { labels: AcceptQueue['labels']; length: number; limit: number | undefined }>();
  for (const socket of snapshot.sockets) {
    const { recvQ, sendQ, netns: inode } = maybe(socket);
    const netns = label(inode);
    // Counted by state: a socket whose state no tool gave (macOS) has no series to count in.
    if (socket.state !== undefined) {
      const countKey = `${netns}\0${socket.protocol}\0${socket.state}`;
      const count = counts.get(countKey);
      if (count === undefined)
        counts.set(countKey, { netns, protocol: socket.protocol, state: socket.state, count: 1 });
      else count.count++;
    }
    if (!isNetworkListener(socket, sources.ephemeral)) continue;
    const labels = listenerLabels(socket, netns);
    listeners.set(Object.values(labels).join('\0'), labels);
    if (socket.state !== 'LISTEN' || recvQ === undefined) continue;
    const { protocol, address, port } = labels;
    const key = [netns, protocol, address, port].join('\0');
    const diag = inode !== undefined && byInode.get(inode)?.sources.includes('sock_diag') === true;
    const limit = diag ? sendQ : undefined;
    const queue = queues.get(key);
    if (queue === undefined) {
      queues.set(key, { labels: { netns, protocol, address, port }, length: recvQ, limit });
    } else {
      queue.length += recvQ;
      queue.limit = queue.limit === undefined || limit === undefined ? undefined : queue.limit + limit;
    }
  }
  const listenCounters: MetricsSample['listenCounters'] = [];
  for (const ns of snapshot.namespaces) {
    const counters = sources.netstatOf(ns, snapshot);
    const overflows = counters?.get('TcpExt:ListenOverflows');
    const drops = counters?.get('TcpExt:ListenDrops');
    if (overflows === undefined || drops === undefined) continue;
    listenCounters.push({ netns: netnsLabel(ns, ns.netns), overflows, drops });
  }
  const acceptQueues = [...queues.values()].map(({ limit, ...queue }) =>
    limit === undefined ? queue : { ...queue, limit },
  );
  return { listeners: [...listeners.values()], sockets: [...counts.values()], acceptQueues, listenCounters };
}
