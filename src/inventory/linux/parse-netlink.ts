import type { Socket } from '../../model/index.js';

/**
 * Names of netlink protocols (NETLINK_ROUTE = 0 ...), as `ss -A netlink` prints them
 * (<linux/netlink.h>; iproute2's nl_proto table). Unknown numbers are printed as numbers.
 */
export const NETLINK_PROTOCOLS: readonly string[] = [
  'rtnl',
  'unused',
  'usersock',
  'fw',
  'tcpdiag',
  'nflog',
  'xfrm',
  'selinux',
  'iscsi',
  'audit',
  'fiblookup',
  'connector',
  'nft',
  'ip6fw',
  'dec-rt',
  'uevent',
  'genl',
  '17',
  'scsi-trans',
  'ecryptfs',
  'rdma',
  'crypto',
  'smc',
];

/**
 * Parses /proc/net/netlink (the text of `netlink_seq_show`). Pure: no I/O.
 *
 * Each row: `sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`, whitespace-separated: `Eth` is the
 * netlink protocol (0 = rtnl), `Pid` the port id (0 = the kernel's socket; a user socket's is
 * usually its process's pid), `Rmem`/`Wmem` the bytes queued. A socket becomes `local: { address:
 * protocol name, port: port id }`, state UNCONN, with no peer (netlink has no connections to list)
 * and uid -1 (the table has no uid).
 */
export function parseNetlinkTable(text: string, netns: number): { sockets: Socket[]; malformedRows: number } {
  const sockets: Socket[] = [];
  let malformedRows = 0;
  const lines = text.split('\n');
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const [eth, portId, , rmem, wmem, , , , inode] = f.slice(1).map(Number);
    if (f.length < 10 || [eth, portId, rmem, wmem, inode].some((n) => n === undefined || !Number.isInteger(n))) {
      malformedRows++;
      continue;
    }
    sockets.push({
      protocol: 'netlink',
      family: 'netlink',
      state: 'UNCONN',
      local: { address: NETLINK_PROTOCOLS[eth ?? 0] ?? String(eth), port: portId ?? 0 },
      peer: { address: '', port: 0 },
      recvQ: rmem ?? 0,
      sendQ: wmem ?? 0,
      inode: inode ?? 0,
      uid: -1,
      netns,
      owners: [],
      ownerStatus: 'none',
    });
  }
  return { sockets, malformedRows };
}
