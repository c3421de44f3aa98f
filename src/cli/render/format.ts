import type { Endpoint, Owner, Socket, SocketState } from '../../model/index.js';
import { ownerUser } from '../../model/owner-user.js';
import { serviceNameOf } from '../../registry/services.js';
import { netlinkLabel, packetLabel } from './link-endpoints.js';

const SS_STATE: Partial<Record<SocketState, string>> = {
  ESTABLISHED: 'ESTAB',
  SYN_SENT: 'SYN-SENT',
  SYN_RECV: 'SYN-RECV',
  NEW_SYN_RECV: 'SYN-RECV',
  FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2',
  TIME_WAIT: 'TIME-WAIT',
  CLOSE: 'UNCONN',
  CLOSE_WAIT: 'CLOSE-WAIT',
  LAST_ACK: 'LAST-ACK',
  BOUND_INACTIVE: 'BOUND-INACTIVE',
};

const CONTROL = /\p{Cc}/u;
const CONTROLS = /\p{Cc}/gu;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text safe for one table cell: control characters (a newline in a `python -c` command line, an
 * escape sequence in a process name or socket path) shown as `\n`, `\t`, `\xHH`.
 */
export function printable(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROLS, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A state as ss prints it (`ESTAB`, `TIME-WAIT`, `LISTEN`, `UNCONN`); `-` for a state no tool gave (macOS). */
export function stateLabel(state: SocketState | undefined): string {
  return state === undefined ? '-' : (SS_STATE[state] ?? state);
}

/** How to print ports: numbers (`-n`) or service names where known. */
export interface EndpointStyle {
  readonly numeric: boolean;
  /** Names of network namespaces under /run/netns by inode, for the `netns` field. */
  readonly netnsNames?: ReadonlyMap<number, string>;
  /** With tcp_info: also the negotiated TCP options (`ts sack ecn`), as `ss -i -o` prints them. */
  readonly tcpOptions?: boolean;
  /** `ss -T`: the threads of each owner (by pid), to list one `users:` entry per thread and fd. */
  readonly threads?: ReadonlyMap<number, readonly { readonly tid: number; readonly command: string }[]>;
}

/**
 * `addr:port` as ss prints it: IPv6 in brackets, port 0 as `*`, `::` of a dual-stack socket (v6only 0) as
 * `*`; unix sockets as `path inode` for the local end and `* peer-inode` for the peer (`*` = unnamed, 0 = none).
 */
export function endpointLabel(socket: Socket, endpoint: Endpoint, style: EndpointStyle): string {
  if (socket.family === 'unix') {
    if (endpoint === socket.peer) return `* ${String(socket.unix?.peerInode ?? 0)}`;
    const path = endpoint.address === '' ? '*' : printable(endpoint.address);
    return socket.inode === undefined ? path : `${path} ${String(socket.inode)}`;
  }
  if (socket.family === 'netlink') return netlinkLabel(endpoint, style.numeric);
  if (socket.family === 'packet') return endpoint === socket.peer ? '*' : packetLabel(endpoint, style.numeric);
  const dualStack = socket.family === 'inet6' && socket.v6only === false && endpoint.address === '::';
  const host = dualStack ? '*' : socket.family === 'inet6' ? `[${endpoint.address}]` : endpoint.address;
  return `${host}:${portLabel(socket, endpoint.port, style)}`;
}

/** A port as a number, or its service name (`https`) unless `numeric`; 0 is `*`. */
export function portLabel(socket: Socket, port: number, style: EndpointStyle): string {
  if (port === 0) return '*';
  if (style.numeric || socket.protocol === 'raw') return String(port);
  // Service names are TCP's for MPTCP (it falls back to TCP) and UDP's for UDP-Lite.
  const protocol = socket.protocol === 'udplite' ? 'udp' : socket.protocol === 'mptcp' ? 'tcp' : socket.protocol;
  if (protocol === 'unix' || protocol === 'netlink' || protocol === 'packet') return String(port);
  return serviceNameOf(port, protocol) ?? String(port);
}

/** Owners as `command(pid,pid)` groups: `nginx(812,813), node(90)`; `?` when unknown for lack of rights. */
export function processLabel(socket: Socket): string {
  if (socket.ownerStatus === 'permission-denied') return '?';
  const [first, ...rest] = socket.owners;
  if (first === undefined) return '';
  if (rest.length === 0) return `${printable(first.command)}(${String(first.pid)})`;
  const byCommand = new Map<string, number[]>();
  for (const owner of socket.owners) {
    const pids = byCommand.get(owner.command) ?? [];
    pids.push(owner.pid);
    byCommand.set(owner.command, pids);
  }
  return [...byCommand].map(([command, pids]) => `${printable(command)}(${pids.join(',')})`).join(', ');
}

/** The distinct users of the owners (`root`, or the uid when the name is unknown). */
export function userLabel(owners: readonly Owner[]): string {
  return [...new Set(owners.map(ownerUser))].join(',');
}

/** The container (`docker:3f2a1b9c0d1e`) or systemd unit of the first owner that has one. */
export function placeLabel(owners: readonly Owner[]): string {
  for (const o of owners)
    if (o.container !== undefined) return `${o.container.runtime}:${o.container.name ?? o.container.id.slice(0, 12)}`;
  for (const o of owners) if (o.systemdUnit !== undefined) return o.systemdUnit;
  return '';
}

/** The first owner's command line, joined with spaces (comm when cmdline is unreadable). */
export function commandLineLabel(owners: readonly Owner[]): string {
  const first = owners[0];
  if (first === undefined) return '';
  return printable(first.cmdline?.join(' ') ?? first.command);
}

/**
 * Milliseconds as ss prints a timer: `1min53sec`, `12sec`, `2.500sec`, `200ms` (minutes and seconds drop
 * the smaller units once they pass 9). 0 and negative (already due) are empty, as ss prints 0: `timer:(on,,0)`.
 */
export function msTimerLabel(ms: number): string {
  const total = Math.max(0, Math.trunc(ms));
  const minutes = Math.floor(total / 60_000);
  let secs = Math.floor(total / 1000) % 60;
  let msecs = total % 1000;
  let out = '';
  if (minutes > 0) {
    msecs = 0;
    out = `${String(minutes)}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs > 0) {
    if (secs > 9) msecs = 0;
    out += `${String(secs)}${msecs > 0 ? '.' : 'sec'}`;
  }
  if (msecs > 0) out += `${String(msecs).padStart(3, '0')}${secs > 0 ? 'sec' : 'ms'}`;
  return out;
}

/** A timer as ss -o prints it: `timer:(keepalive,119min,0)`, `timer:(persist,1min53sec,0)`. */
export function timerLabel(socket: Socket): string {
  const t = socket.timer;
  if (t === undefined) return '';
  return `timer:(${t.kind},${msTimerLabel(t.expiresMs)},${String(t.retransmits)})`;
}
