import type { Socket } from '../../model/index.js';
import { printable, type EndpointStyle } from './format.js';

const UNIX_NETID = { stream: 'u_str', dgram: 'u_dgr', seqpacket: 'u_seq' } as const;

/** ss's Netid: the protocol (`tcp`, `udp`, `raw`), for unix sockets their type (`u_str`, `u_dgr`, `u_seq`), `p_raw`/`p_dgr` for packet sockets, `nl` for netlink. */
export function netidLabel(socket: Socket): string {
  if (socket.family === 'unix') return socket.unix === undefined ? 'u_str' : UNIX_NETID[socket.unix.type];
  if (socket.family === 'packet') return socket.packet?.type === 'dgram' ? 'p_dgr' : 'p_raw';
  if (socket.family === 'netlink') return 'nl';
  return socket.protocol;
}

/**
 * The holders of a socket as `ss -p` prints them: `users:(("nginx",pid=15199,fd=5),("nginx",pid=15198,fd=5))`,
 * one entry per file descriptor, in ss's order (the last process and fd found first: ss lists them from
 * the head of a list it prepends to while walking /proc in pid order). Empty when no holder is known;
 * `?` when holders could not be read for lack of rights (ss prints nothing then). With `style.threads`
 * (`-T`), one entry per thread: `("worker",pid=15199,tid=15201,fd=5)`.
 */
export function usersLabel(socket: Socket, style?: EndpointStyle): string {
  if (socket.ownerStatus === 'permission-denied' && socket.owners.length === 0) return '?';
  const sole = socket.owners.length === 1 ? socket.owners[0] : undefined;
  if (sole?.fds?.length === 1 && style?.threads?.get(sole.pid) === undefined) {
    // Most sockets: one process, one fd (the general case below copies and sorts for it; a listing of 1M rows makes this 1M times).
    return `users:(("${printable(sole.command)}",pid=${String(sole.pid)},fd=${String(sole.fds[0])}))`;
  }
  const entries: string[] = [];
  const owners = [...socket.owners].sort((a, b) => b.pid - a.pid);
  for (const owner of owners) {
    const fds = [...(owner.fds ?? [])].sort((a, b) => b - a);
    const threads = style?.threads?.get(owner.pid);
    if (threads !== undefined) {
      // ss -T: one entry per thread and fd, each thread under its own name.
      for (const t of [...threads].reverse()) {
        const name = printable(t.command);
        for (const fd of fds)
          entries.push(`("${name}",pid=${String(owner.pid)},tid=${String(t.tid)},fd=${String(fd)})`);
      }
      continue;
    }
    const name = printable(owner.command);
    // Windows names no fds: one entry per process, as ss would print a holder without an fd.
    if (owner.fds === undefined) entries.push(`("${name}",pid=${String(owner.pid)})`);
    for (const fd of fds) entries.push(`("${name}",pid=${String(owner.pid)},fd=${String(fd)})`);
  }
  return entries.length === 0 ? '' : `users:(${entries.join(',')})`;
}
