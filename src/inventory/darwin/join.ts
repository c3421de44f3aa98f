import type { Socket } from '../../model/index.js';
import type { LsofSocketFile } from './parse-lsof.js';
import type { DarwinNetstatRow } from './parse-netstat.js';

/** A process that holds a socket, as the socket tools saw it (process facts come later, from ps). */
export interface Holder {
  readonly pid: number;
  command?: string;
  uid?: number;
  fds?: number[];
}

/** A socket without its owners yet, and who holds it. */
export interface JoinedSocket {
  readonly socket: Omit<Socket, 'owners' | 'ownerStatus'>;
  readonly holders: Holder[];
}

type Ends = Pick<DarwinNetstatRow, 'protocol' | 'local' | 'peer'>;

function keyOf(s: Ends): string {
  return `${s.protocol}|${s.local.address}|${String(s.local.port)}|${s.peer.address}|${String(s.peer.port)}`;
}

/** The weaker key for a row whose long IPv6 address netstat cut short: protocol and ports. */
function portsKeyOf(s: Ends, pid: number): string {
  return `${s.protocol}|${String(s.local.port)}|${String(s.peer.port)}|${String(pid)}`;
}

function addFile(holders: Holder[], file: LsofSocketFile): void {
  let holder = holders.find((h) => h.pid === file.pid);
  if (holder === undefined) {
    holder = { pid: file.pid };
    holders.push(holder);
  }
  if (file.command !== undefined) holder.command = file.command;
  if (file.uid !== undefined) holder.uid = file.uid;
  holder.fds = [...(holder.fds ?? []), file.fd];
}

function fromRow(row: DarwinNetstatRow): JoinedSocket {
  const socket = {
    protocol: row.protocol,
    family: row.family,
    state: row.state,
    local: row.local,
    peer: row.peer,
    recvQ: row.recvQ,
    sendQ: row.sendQ,
    ...(row.dualStack ? { v6only: false } : {}),
  };
  const holders: Holder[] =
    row.pid === undefined || row.pid <= 0
      ? []
      : [{ pid: row.pid, ...(row.command === undefined ? {} : { command: row.command }) }];
  return { socket, holders };
}

/** Sockets lsof saw that netstat did not list: one per kernel socket address (`d`), else per fd. */
function fromFiles(files: readonly LsofSocketFile[]): JoinedSocket[] {
  const groups = new Map<string, LsofSocketFile[]>();
  for (const f of files) {
    const key = f.device ?? `${keyOf(f)}|${String(f.pid)}|${String(f.fd)}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()].map((group) => {
    const [f] = group as [LsofSocketFile, ...LsofSocketFile[]];
    // No TST= (a TCP file of an lsof not asked for -T): the state is unknown, so absent.
    const socket = {
      protocol: f.protocol,
      family: f.family,
      ...(f.state === undefined ? {} : { state: f.state }),
      local: f.local,
      peer: f.peer,
      ...(f.recvQ === undefined ? {} : { recvQ: f.recvQ }),
      ...(f.sendQ === undefined ? {} : { sendQ: f.sendQ }),
    } as const;
    const holders: Holder[] = [];
    for (const file of group) addFile(holders, file);
    return { socket, holders };
  });
}

/**
 * Joins macOS netstat rows (every socket, its state, queues and one pid) with lsof's socket files (each
 * holder's fds, uid and command name) by protocol and both endpoints, then by ports and pid for an address
 * netstat truncated. An lsof file of another pid on a listed socket is a second holder (a socket
 * inherited over fork). Sockets only lsof saw are added from lsof's fields. Pure.
 */
export function joinDarwin(rows: readonly DarwinNetstatRow[], files: readonly LsofSocketFile[]): JoinedSocket[] {
  const joined = rows.map(fromRow);
  const byKey = new Map<string, JoinedSocket[]>();
  const byPorts = new Map<string, JoinedSocket>();
  rows.forEach((row, i) => {
    const j = joined[i] as JoinedSocket;
    byKey.set(keyOf(row), [...(byKey.get(keyOf(row)) ?? []), j]);
    if (row.pid !== undefined) byPorts.set(portsKeyOf(row, row.pid), j);
  });
  const unmatched: LsofSocketFile[] = [];
  for (const file of files) {
    const same = byKey.get(keyOf(file));
    const target =
      same?.find((j) => j.holders.some((h) => h.pid === file.pid)) ??
      same?.[0] ??
      byPorts.get(portsKeyOf(file, file.pid));
    if (target === undefined) unmatched.push(file);
    else addFile(target.holders, file);
  }
  return [...joined, ...fromFiles(unmatched)];
}
