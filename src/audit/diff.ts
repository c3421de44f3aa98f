import { PortscopeError } from '../errors.js';
import type { Owner, Snapshot, Socket } from '../model/index.js';
import { endpointText } from './listener-key.js';

/** A listener that changed between two snapshots: the same key, other owners or another scope. */
export interface ListenerChange {
  readonly key: string;
  readonly before: readonly Socket[];
  readonly after: readonly Socket[];
  /** One line per change: `owners: node → python3`, `scope: v6only → dual-stack`. */
  readonly changes: readonly string[];
}

/** What {@link diffSnapshots} returns; `same` is true when all three lists are empty. */
export interface SnapshotDiff {
  readonly same: boolean;
  readonly added: readonly { readonly key: string; readonly sockets: readonly Socket[] }[];
  readonly removed: readonly { readonly key: string; readonly sockets: readonly Socket[] }[];
  readonly changed: readonly ListenerChange[];
}

function listeners(snapshot: Snapshot): Map<string, Socket[]> {
  const names = new Map(snapshot.namespaces.map((n) => [n.netns, n.isHost ? 'host' : (n.name ?? String(n.netns))]));
  const byKey = new Map<string, Socket[]>();
  for (const s of snapshot.sockets) {
    const listening = s.protocol === 'tcp' ? s.state === 'LISTEN' : s.protocol === 'udp' && s.state === 'UNCONN';
    if (!listening || s.local.port === 0 || (s.family !== 'inet' && s.family !== 'inet6')) continue;
    // The model may leave netns out off Linux, where the host's namespace is the only one.
    const { netns } = s as { netns?: number };
    const ns = netns === undefined ? 'host' : (names.get(netns) ?? String(netns));
    const key = `${ns}/${s.protocol}/${endpointText(s.local.address, s.local.port)}`;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  return byKey;
}

/** Who holds it, without pids (a restart is not a change): command, user, unit or container. */
function ownerNames(sockets: readonly Socket[]): string | undefined {
  if (sockets.some((s) => s.ownerStatus === 'not-requested')) return undefined;
  const name = (o: Owner) =>
    [o.command, o.user, o.systemdUnit, o.container?.name].filter((x) => x !== undefined).join(':');
  const names = [...new Set(sockets.flatMap((s) => s.owners.map(name)))].sort();
  return names.length === 0 ? `(${sockets[0]?.ownerStatus ?? 'none'})` : names.join(',');
}

function scopeOf(sockets: readonly Socket[]): string | undefined {
  const s = sockets[0];
  if (s?.local.address !== '::' || s.v6only === undefined) return undefined;
  return s.v6only ? 'v6only' : 'dual-stack';
}

/**
 * `value` as a Snapshot, after checking the shape `diffSnapshots` reads: an object with schemaVersion 1,
 * `namespaces` and `sockets` arrays, each socket with a protocol, a state and a `local` endpoint.
 * @throws PortscopeError `INVALID_ARGUMENT` naming `what` (a file name, or which argument).
 */
export function checkSnapshot(value: unknown, what: string): Snapshot {
  const s = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof Snapshot, unknown>>;
  const socketsOk =
    Array.isArray(s.sockets) &&
    s.sockets.every((x: unknown) => {
      const socket = x as Partial<Socket> | null;
      return (
        typeof socket === 'object' &&
        socket !== null &&
        typeof socket.protocol === 'string' &&
        typeof socket.state === 'string' &&
        typeof socket.local?.address === 'string' &&
        typeof socket.local.port === 'number'
      );
    });
  if (s.schemaVersion !== 1 || !Array.isArray(s.namespaces) || !socketsOk) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected a Snapshot (\`portscope ls --json\` output, schemaVersion 1, with namespaces and sockets) in ${what}`,
    );
  }
  return value as Snapshot;
}

/**
 * Listeners (TCP LISTEN, bound UDP) added, removed and changed (owners, dual-stack scope) from `a` to
 * `b`, keyed by `netns/protocol/address:port` (netns: `host`, its /run/netns name, or its inode).
 * Owners are compared only when both snapshots looked them up (`ls -p`), and without pids.
 * @throws PortscopeError `INVALID_ARGUMENT` when either is not a Snapshot (schemaVersion 1 with sockets).
 */
export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  checkSnapshot(a, 'the first snapshot');
  checkSnapshot(b, 'the second snapshot');
  const before = listeners(a);
  const after = listeners(b);
  const added = [...after].filter(([k]) => !before.has(k)).map(([key, sockets]) => ({ key, sockets }));
  const removed = [...before].filter(([k]) => !after.has(k)).map(([key, sockets]) => ({ key, sockets }));
  const changed: ListenerChange[] = [];
  for (const [key, was] of before) {
    const now = after.get(key);
    if (now === undefined) continue;
    const changes: string[] = [];
    const [o1, o2] = [ownerNames(was), ownerNames(now)];
    if (o1 !== undefined && o2 !== undefined && o1 !== o2) changes.push(`owners: ${o1} → ${o2}`);
    const [s1, s2] = [scopeOf(was), scopeOf(now)];
    if (s1 !== undefined && s2 !== undefined && s1 !== s2) changes.push(`scope: ${s1} → ${s2}`);
    if (changes.length > 0) changed.push({ key, before: was, after: now, changes });
  }
  const byKey = (x: { key: string }, y: { key: string }) => x.key.localeCompare(y.key);
  return {
    same: added.length + removed.length + changed.length === 0,
    added: added.sort(byKey),
    removed: removed.sort(byKey),
    changed: changed.sort(byKey),
  };
}
