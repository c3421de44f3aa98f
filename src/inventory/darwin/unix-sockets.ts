import type { JoinedSocket } from './join.js';
import { darwinUnixState, type DarwinUnixRow } from './parse-netstat-unix.js';

/**
 * macOS unix sockets from netstat's rows, in the model of Linux's: `local.address` the bound path (`''`
 * for none), `peer.address` the path of the socket its `Conn` names when that one has a path (a client of
 * `/var/run/mDNSResponder` gets it as its peer), else `''`; port 0; the queues netstat prints. The holder
 * is the pid of netstat's `pid`/`process:pid` column when it prints one. Pure.
 */
export function darwinUnixSockets(rows: readonly DarwinUnixRow[]): JoinedSocket[] {
  const pathOf = new Map(rows.map((r) => [r.address, r.path]));
  return rows.map((row) => ({
    socket: {
      protocol: 'unix',
      family: 'unix',
      state: darwinUnixState(row),
      local: { address: row.path, port: 0 },
      peer: { address: pathOf.get(row.conn) ?? '', port: 0 },
      recvQ: row.recvQ,
      sendQ: row.sendQ,
      unix: { type: row.type, abstract: false },
    },
    holders:
      row.pid === undefined || row.pid <= 0
        ? []
        : [{ pid: row.pid, ...(row.command === undefined ? {} : { command: row.command }) }],
  }));
}
