import type { Endpoint, Family, Owner, Socket, SocketState, TcpState } from '../../model/index.js';

/** PID 4 on Windows: the kernel ("System"), which holds http.sys (IIS, WinRM, URL reservations) and SMB ports. */
export const SYSTEM_PID = 4;

/**
 * MSFT_NetTCPConnection's `State` (and MIB_TCP_STATE) numbers, as the kernel's names. `DeleteTCB` (12) is a
 * connection being torn down: CLOSE. `Bound` (100) is a socket bound to a port that neither listens nor is
 * connected (yet): Linux's BOUND_INACTIVE is the same thing.
 */
const MSFT_TCP_STATES: Readonly<Record<number, TcpState>> = {
  1: 'CLOSE',
  2: 'LISTEN',
  3: 'SYN_SENT',
  4: 'SYN_RECV',
  5: 'ESTABLISHED',
  6: 'FIN_WAIT1',
  7: 'FIN_WAIT2',
  8: 'CLOSE_WAIT',
  9: 'CLOSING',
  10: 'LAST_ACK',
  11: 'TIME_WAIT',
  12: 'CLOSE',
  100: 'BOUND_INACTIVE',
};

/** The same states by their enum names (PowerShell 7's `-EnumsAsStrings`, netstat's English words without `_`). */
const NAMED_TCP_STATES: Readonly<Record<string, TcpState>> = {
  closed: 'CLOSE',
  listen: 'LISTEN',
  listening: 'LISTEN',
  synsent: 'SYN_SENT',
  synreceived: 'SYN_RECV',
  established: 'ESTABLISHED',
  finwait1: 'FIN_WAIT1',
  finwait2: 'FIN_WAIT2',
  closewait: 'CLOSE_WAIT',
  closing: 'CLOSING',
  lastack: 'LAST_ACK',
  timewait: 'TIME_WAIT',
  deletetcb: 'CLOSE',
  bound: 'BOUND_INACTIVE',
};

/**
 * A Windows TCP state (MSFT_NetTCPConnection number, or its English enum name in any case and with or without
 * `_`) as the kernel's name; undefined for anything else (a localized netstat word).
 */
export function windowsTcpState(value: unknown): TcpState | undefined {
  if (typeof value === 'number') return MSFT_TCP_STATES[value];
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return MSFT_TCP_STATES[Number(value)];
  return NAMED_TCP_STATES[value.replaceAll('_', '').toLowerCase()];
}

/** A Windows address split into the address and its IPv6 zone (`fe80::1%12`: interface index 12). */
export interface WindowsAddress {
  readonly address: string;
  readonly family: Extract<Family, 'inet' | 'inet6'>;
  /** The zone (scope id) of a link-local IPv6 address: the interface index. */
  readonly ifindex?: number;
}

/** Splits `fe80::1%12` into `fe80::1` and ifindex 12; `[::]` loses its brackets. */
export function splitWindowsAddress(raw: string): WindowsAddress {
  const bare = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  const percent = bare.indexOf('%');
  const address = percent < 0 ? bare : bare.slice(0, percent);
  const zone = percent < 0 ? '' : bare.slice(percent + 1);
  const family = address.includes(':') ? 'inet6' : 'inet';
  return /^\d+$/.test(zone) ? { address, family, ifindex: Number(zone) } : { address, family };
}

/** The socket facts Windows gives: no inode, uid, network namespace or queues (see docs/windows.md). */
export interface WindowsSocketFields {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  readonly state: SocketState;
  readonly local: Endpoint;
  readonly peer: Endpoint;
  readonly ifindex?: number;
  owners: Owner[];
  ownerStatus: Socket['ownerStatus'];
}

/**
 * The one place a Windows socket becomes a {@link Socket}. Windows has no socket inode, uid, network namespace
 * or Recv-Q/Send-Q: those fields are left absent, never a made-up 0 (the model makes them optional).
 */
export function windowsSocket(fields: WindowsSocketFields): Socket {
  return fields;
}

/** The owner facts Windows gives (no fds and no uid: Windows has handles and SIDs). */
export interface WindowsOwnerFields {
  readonly pid: number;
  /** The image name (`node.exe`, `System`); '' when it is unknown (read from netstat, which names no process). */
  readonly command: string;
  readonly cmdline?: string[];
  readonly exe?: string;
  readonly startedAt?: string;
}

/** The one place a Windows process becomes an {@link Owner}: `fds` and `uid` absent (Windows has handles and SIDs). */
export function windowsOwner(fields: WindowsOwnerFields): Owner {
  return { ...fields };
}
