import { networkInterfaces } from 'node:os';
import type { NamespaceInfo, Socket } from '../../model/index.js';
import { ownerUser } from '../../model/owner-user.js';

/** True for a loopback address or one of this machine's interfaces' addresses. */
export function isLocalAddress(address: string): boolean {
  if (address.startsWith('127.') || address === '::1') return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === address) === true);
}

/** `LISTEN 127.0.0.1:8080 python3 (pid 812, user root)` plus the namespace when not the host's. */
export function describe(s: Socket, namespaces: readonly NamespaceInfo[]): string {
  const host = s.family === 'inet6' ? `[${s.local.address}]` : s.local.address;
  const owners = s.owners
    .map(
      (o) =>
        `${o.command} (pid ${String(o.pid)}, user ${ownerUser(o)}${o.container === undefined ? '' : `, ${o.container.runtime} container ${o.container.name ?? o.container.id.slice(0, 12)}`})`,
    )
    .join(', ');
  const ns = namespaces.find((n) => n.netns === s.netns);
  const where = ns === undefined || ns.isHost ? '' : ` in netns ${ns.name ?? `net:[${String(s.netns)}]`}`;
  const who =
    owners !== ''
      ? ` ${owners}`
      : s.ownerStatus === 'permission-denied'
        ? ' (owner hidden: not root)'
        : s.inode !== 0 && s.inode !== undefined
          ? ' (no owner visible: a process outside this PID namespace, or the kernel)'
          : '';
  return `${s.state ?? '-'} ${host}:${String(s.local.port)}${where}${who}`;
}
