import type { SocketState } from '../../model/index.js';
import { anyAddress, parseColonEndpoint, type ParsedEndpoint } from '../bsd/address.js';
import { bsdTcpState } from '../bsd/tcp-state.js';

/** One internet socket row of FreeBSD `sockstat -46 -s -l -c -n [-w]`. */
export interface SockstatRow {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  /** `tcp46`/`udp46`: an IPv6 socket that takes IPv4 too (IPV6_V6ONLY off). */
  readonly dualStack: boolean;
  /** TCP: the CONN STATE column; UDP: `UNCONN` without a peer, `ESTABLISHED` with one. */
  readonly state: SocketState;
  readonly local: { readonly address: string; readonly port: number };
  readonly peer: { readonly address: string; readonly port: number };
  /** Absent for a socket no process holds (`?`/`??` in USER, COMMAND, PID, FD: TIME_WAIT). */
  readonly pid?: number;
  /** COMMAND: the process name, cut at 10 characters by sockstat. */
  readonly command?: string;
  /** USER as a number (`-n`), or undefined when sockstat printed a name. */
  readonly uid?: number;
  /** USER when sockstat printed a name (no `-n`, or a release without it). */
  readonly user?: string;
  readonly fd?: number;
}

// USER COMMAND PID FD PROTO LOCAL FOREIGN [PATH STATE] [CONN STATE]. The command may hold spaces (p_comm
// can), so the row is anchored on the PID, FD and PROTO columns after it rather than split by position.
const ROW = /^(\S+)\s+(.*?)\s+(\d+|\?+)\s+(\d+|\?+)\s+(tcp|udp)(4|6|46)\s+(\S+)\s+(\S+)(?:\s+(.*))?$/;

function address(e: ParsedEndpoint, family: 'inet' | 'inet6') {
  return { address: e.address === '' ? anyAddress(family) : e.address, port: e.port };
}

function parseRow(line: string): SockstatRow | undefined {
  const m = ROW.exec(line.trimEnd());
  if (m === null) return undefined;
  const [, user = '', command = '', pid = '', fd = '', proto = '', version = '', localText = '', peerText = ''] = m;
  const local = parseColonEndpoint(localText);
  const peer = parseColonEndpoint(peerText);
  if (local === undefined || peer === undefined) return undefined;
  const protocol = proto as 'tcp' | 'udp';
  const family = version === '4' ? 'inet' : 'inet6';
  // The last word of the row that is a TCP state (UDP rows have none, or `??` on FreeBSD 15).
  const words = (m[9] ?? '').split(/\s+/).filter((w) => w !== '');
  const tcpState = words.map(bsdTcpState).findLast((s) => s !== undefined);
  let state: SocketState;
  if (protocol === 'tcp') {
    if (tcpState === undefined) return undefined;
    state = tcpState;
  } else state = peer.port === 0 ? 'UNCONN' : 'ESTABLISHED';
  const owned = /^\d+$/.test(pid);
  return {
    protocol,
    family,
    dualStack: version === '46',
    state,
    local: address(local, family),
    peer: address(peer, family),
    ...(owned ? { pid: Number(pid), command } : {}),
    ...(owned && /^\d+$/.test(user) ? { uid: Number(user) } : {}),
    ...(owned && !/^\d+$/.test(user) ? { user } : {}),
    ...(owned && /^\d+$/.test(fd) ? { fd: Number(fd) } : {}),
  };
}

/**
 * Parses FreeBSD `sockstat -46 -s -l -c` output (any release from 10: with or without `-w`, the `PATH
 * STATE` column of 13, the `??` of 15, IPv6 addresses bracketed or not, USER as a name or, with `-n`, a
 * uid). TCP rows need the state column (`-s`); rows of other protocols (sctp, divert) and lines that do not
 * parse are skipped. Pure.
 */
export function parseSockstat(text: string): SockstatRow[] {
  const rows: SockstatRow[] = [];
  for (const line of text.split('\n')) {
    if (/^USER\s/.test(line)) continue;
    const row = parseRow(line);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}
