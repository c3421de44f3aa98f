import type { Endpoint, SocketState } from '../../model/index.js';
import { anyAddress, parseDottedEndpoint } from '../bsd/address.js';
import { bsdTcpState } from '../bsd/tcp-state.js';

/** One row of macOS `netstat -anv -p tcp|udp`. */
export interface DarwinNetstatRow {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  /** True for `tcp46`/`udp46`: an IPv6 socket that also takes IPv4 (IPV6_V6ONLY off). */
  readonly dualStack: boolean;
  readonly state: SocketState;
  readonly local: Endpoint;
  readonly peer: Endpoint;
  readonly recvQ: number;
  readonly sendQ: number;
  /** The pid netstat -v prints (`pid`, or the pid of `process:pid` on macOS 26); absent when it prints none. */
  readonly pid?: number;
  /** The process name of macOS 26's `process:pid` column (may hold spaces). */
  readonly command?: string;
}

/**
 * The columns after `(state)` in the header, by name. Sonoma and earlier: `rhiwat shiwat pid epid ...`;
 * Sequoia added `rxbytes txbytes` before them; macOS 26 (Tahoe) prints `process:pid`. The pid is found by
 * its header's name, never by position (pid-port #12, systeminformation #951 read `rhiwat` as the pid).
 */
function columnsAfterState(header: string): string[] | undefined {
  const at = header.search(/\(state\)/i);
  return at < 0
    ? undefined
    : header
        .slice(at + '(state)'.length)
        .trim()
        .split(/\s+/);
}

/**
 * Reads macOS 26's `process:pid` column from the tokens that start with it: the process name may hold
 * spaces ("Autodesk Fusion:22712"), so it runs up to the first token that ends in `:PID`. Undefined when
 * no token does.
 */
export function takeProcessPid(
  tokens: readonly string[],
): { readonly pid: number; readonly command: string; readonly used: number } | undefined {
  const end = tokens.findIndex((t) => /:\d+$/.test(t));
  if (end < 0) return undefined;
  const text = tokens.slice(0, end + 1).join(' ');
  const colon = text.lastIndexOf(':');
  return { pid: Number(text.slice(colon + 1)), command: text.slice(0, colon), used: end + 1 };
}

const ROW = /^(tcp|udp)(4|6|46)\s/;

function parseRow(line: string, after: readonly string[]): DarwinNetstatRow | undefined {
  const match = ROW.exec(line);
  if (match === null) return undefined;
  const tokens = line.trim().split(/\s+/);
  const [proto, recvQ, sendQ, localText, peerText] = tokens;
  const local = parseDottedEndpoint(localText ?? '');
  const peer = parseDottedEndpoint(peerText ?? '');
  if (proto === undefined || local === undefined || peer === undefined) return undefined;
  const protocol = match[1] as 'tcp' | 'udp';
  const family = match[2] === '4' ? 'inet' : 'inet6';
  let rest = tokens.slice(5);
  // TCP rows have a state word; UDP rows leave the column blank (pid-from-port #3, systeminformation #737).
  let state: SocketState | undefined = bsdTcpState(rest[0] ?? '');
  if (state !== undefined) rest = rest.slice(1);
  else if (protocol === 'tcp') return undefined;
  else state = peer.port === 0 ? 'UNCONN' : 'ESTABLISHED';
  let pid: number | undefined;
  let command: string | undefined;
  for (const name of after) {
    if (name === 'process:pid') {
      const taken = takeProcessPid(rest);
      if (taken === undefined) return undefined;
      ({ pid, command } = taken);
      rest = rest.slice(taken.used);
      continue;
    }
    const token = rest.shift();
    if (token === undefined) break;
    if (name === 'pid') pid = Number(token);
  }
  const any = anyAddress(family);
  return {
    protocol,
    family,
    dualStack: match[2] === '46',
    state,
    local: { address: local.address === '' ? any : local.address, port: local.port },
    peer: { address: peer.address === '' ? any : peer.address, port: peer.port },
    recvQ: Number(recvQ),
    sendQ: Number(sendQ),
    ...(pid === undefined || !Number.isSafeInteger(pid) ? {} : { pid }),
    ...(command === undefined ? {} : { command }),
  };
}

/**
 * Parses macOS `netstat -anv -p tcp` / `-p udp` (any release: the columns after `(state)` are read by the
 * header's names). Rows that do not parse (other protocols, a truncated line) are skipped. Pure.
 */
export function parseDarwinNetstat(text: string): DarwinNetstatRow[] {
  const rows: DarwinNetstatRow[] = [];
  let after: string[] | undefined;
  for (const line of text.split('\n')) {
    if (/^Proto\s/.test(line)) {
      after = columnsAfterState(line);
      continue;
    }
    if (after === undefined) continue;
    const row = parseRow(line, after);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}
