import type { SocketState, UnixInfo } from '../../model/index.js';
import { takeProcessPid } from './parse-netstat.js';

/** One row of the "Active LOCAL (UNIX) domain sockets" section of macOS `netstat -a` (with -n, -v, -A...). */
export interface DarwinUnixRow {
  /** `Address`: the socket's protocol control block (a kernel address, hex), unique per socket. */
  readonly address: string;
  readonly type: UnixInfo['type'];
  readonly recvQ: number;
  readonly sendQ: number;
  /** `Inode`: the vnode the socket is bound to (hex); `'0'` for one that did not call bind() itself. */
  readonly vnode: string;
  /** `Conn`: the control block of the connected peer (hex); `'0'` when not connected. */
  readonly conn: string;
  /** `Addr`: the bound path (accepted sockets carry their listener's); `''` when there is none. */
  readonly path: string;
  /** The pid of a `pid` or `process:pid` column (`-v` of the releases that print one); absent otherwise. */
  readonly pid?: number;
  /** The process name of a `process:pid` column (may hold spaces). */
  readonly command?: string;
}

/** netstat prints the socket type with `%-6.6s` of its socktype[] names: `seqpac` is SOCK_SEQPACKET. */
const TYPES: Readonly<Record<string, UnixInfo['type']>> = { stream: 'stream', dgram: 'dgram', seqpac: 'seqpacket' };

function parseRow(line: string, columns: readonly string[]): DarwinUnixRow | undefined {
  const tokens = [...line.matchAll(/\S+/g)];
  const values = new Map<string, string>();
  let pid: number | undefined;
  let command: string | undefined;
  let next = 0;
  for (const name of columns) {
    if (name === 'Addr') break;
    if (name === 'process:pid') {
      const taken = takeProcessPid(tokens.slice(next).map((t) => t[0]));
      if (taken === undefined) return undefined;
      ({ pid, command } = taken);
      next += taken.used;
      continue;
    }
    const token = tokens[next++];
    if (token === undefined) return undefined;
    values.set(name, token[0]);
  }
  // The path is the rest of the line: it may hold spaces ("/Library/Application Support/...").
  const rest = tokens[next];
  const path = rest === undefined ? '' : line.slice(rest.index).trimEnd();
  const type = TYPES[values.get('Type') ?? ''];
  const [address, vnode, conn] = [values.get('Address'), values.get('Inode'), values.get('Conn')];
  const [recvQ, sendQ] = [Number(values.get('Recv-Q')), Number(values.get('Send-Q'))];
  if (type === undefined || address === undefined || vnode === undefined || conn === undefined) return undefined;
  if (!Number.isSafeInteger(recvQ) || !Number.isSafeInteger(sendQ)) return undefined;
  const pidText = values.get('pid');
  if (pidText !== undefined && /^\d+$/.test(pidText)) pid = Number(pidText);
  return {
    address,
    type,
    recvQ,
    sendQ,
    vnode,
    conn,
    path,
    ...(pid === undefined ? {} : { pid }),
    ...(command === undefined ? {} : { command }),
  };
}

/**
 * Parses the unix-domain section of macOS `netstat -a` output (`netstat -anv -f unix` prints only it; any
 * other section is skipped). Its columns are read by the header's names, as the internet rows are:
 * 10.14 prints `Address Type Recv-Q Send-Q Inode Conn Refs Nextref Addr`, later releases insert byte
 * counts and a `process:pid` before `Addr` with `-v`. Rows that do not parse are skipped. Pure.
 */
export function parseDarwinNetstatUnix(text: string): DarwinUnixRow[] {
  const rows: DarwinUnixRow[] = [];
  let columns: string[] | undefined;
  let inSection = false;
  for (const line of text.split('\n')) {
    if (/^(Active|Registered) /.test(line)) {
      inSection = line.startsWith('Active LOCAL (UNIX) domain sockets');
      columns = undefined;
      continue;
    }
    if (!inSection) continue;
    if (columns === undefined) {
      if (line.startsWith('Address')) columns = line.trim().split(/\s+/);
      continue;
    }
    const row = parseRow(line, columns);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

/**
 * A unix socket's state as ss names them, from what netstat prints: `ESTABLISHED` when it has a peer
 * (`Conn`), `LISTEN` for an unconnected stream or seqpacket socket bound to a vnode of its own (the one
 * that called bind(): accepted sockets carry the path but no vnode), `UNCONN` otherwise.
 */
export function darwinUnixState(row: DarwinUnixRow): SocketState {
  if (!/^0+$/.test(row.conn)) return 'ESTABLISHED';
  return row.type !== 'dgram' && !/^0+$/.test(row.vnode) ? 'LISTEN' : 'UNCONN';
}
