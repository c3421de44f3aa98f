import type { SocketState, UnixInfo } from '../../model/index.js';

/** One unix-domain socket row of FreeBSD `sockstat -u` (with or without -4/-6, -l, -c, -s, -w, -n). */
export interface SockstatUnixRow {
  readonly type: UnixInfo['type'];
  /**
   * `LISTEN` for a stream or seqpacket socket bound to a path (sockstat's "server" rows, the ones `-l`
   * selects), `UNCONN` for a bound datagram socket or one not connected, `ESTABLISHED` for one connected
   * to a peer (`-> PEER`).
   */
  readonly state: SocketState;
  /** The path the socket is bound to; `''` when it is not bound. */
  readonly path: string;
  /** The peer's path after `->`; `''` when there is none or sockstat could not name it (`-> ??`). */
  readonly peerPath: string;
  readonly pid: number;
  /** COMMAND: the process name, cut at 10 characters by sockstat (may hold a space). */
  readonly command: string;
  readonly fd: number;
  /** USER as a number (`-n`). */
  readonly uid?: number;
  /** USER as a name (without `-n`). */
  readonly user?: string;
}

const TYPES: Readonly<Record<string, UnixInfo['type']>> = { stream: 'stream', dgram: 'dgram', seqpac: 'seqpacket' };

// The COMMAND column may hold a space, so the row is anchored on the PID, FD and PROTO columns after it
// (as parse-sockstat.ts does for internet rows). PROTO is the socket type for unix rows.
const ROW = /^(\S+)\s+(.*?)\s+(\d+)\s+(\d+)\s+(stream|dgram|seqpac)(?:\s+(.*))?$/;

/**
 * The addresses after the type column. sockstat prints the bound path ("server"), or `-> PEER` for a
 * connected client (`??` when the peer's file is not in the table), or `(not connected)`; releases with
 * a FOREIGN ADDRESS column for unix sockets add `<- [PID FD] ...` (the peers of a bound socket) after
 * the path, which is not read.
 */
function addresses(rest: string): { path: string; peerPath: string; connected: boolean } {
  const text = rest.trim();
  if (text === '' || text === '(not connected)') return { path: '', peerPath: '', connected: false };
  const arrow = text.indexOf('->');
  if (arrow >= 0) {
    const peer = text.slice(arrow + 2).trim();
    return { path: text.slice(0, arrow).trim(), peerPath: /^\?+$/.test(peer) ? '' : peer, connected: true };
  }
  const back = text.indexOf(' <- ');
  return { path: (back < 0 ? text : text.slice(0, back)).trim(), peerPath: '', connected: false };
}

/**
 * Parses the unix-domain rows of FreeBSD `sockstat -u` output (internet rows, the header and lines that
 * do not fit are skipped; a row of a socket no process holds has no pid and is skipped too). Pure.
 */
export function parseSockstatUnix(text: string): SockstatUnixRow[] {
  const rows: SockstatUnixRow[] = [];
  for (const line of text.split('\n')) {
    const m = ROW.exec(line.trimEnd());
    if (m === null) continue;
    const [, user = '', command = '', pid = '', fd = '', proto = '', rest = ''] = m;
    const type = TYPES[proto] ?? 'stream';
    const { path, peerPath, connected } = addresses(rest);
    const state: SocketState = connected ? 'ESTABLISHED' : path !== '' && type !== 'dgram' ? 'LISTEN' : 'UNCONN';
    rows.push({
      type,
      state,
      path,
      peerPath,
      pid: Number(pid),
      command,
      fd: Number(fd),
      ...(/^\d+$/.test(user) ? { uid: Number(user) } : { user }),
    });
  }
  return rows;
}
