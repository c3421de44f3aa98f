import type { Socket } from '../../model/index.js';

/** Ethertypes `ss -0` prints by name (iproute2's ll_proto table, the common ones). */
export const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'ip'],
  [0x0806, 'arp'],
  [0x8035, 'rarp'],
  [0x86dd, 'ipv6'],
  [0x8100, '802.1Q'],
  [0x88a8, '802.1ad'],
  [0x88cc, 'lldp'],
]);

/** ETH_P_ALL: every protocol (`ss -0` prints `*`). */
export const ETH_P_ALL = 0x0003;

const TYPES: Record<number, 'raw' | 'dgram'> = { 3: 'raw', 2: 'dgram' };

/**
 * Parses /proc/net/packet (the text of `packet_seq_show`). Pure: no I/O.
 *
 * Each row: `sk RefCnt Type Proto Iface R Rmem User Inode`, whitespace-separated: `Type` 3 (SOCK_RAW)
 * or 2 (SOCK_DGRAM), `Proto` the ethertype in hex (0003 = every protocol), `Iface` the ifindex the
 * socket is bound to (0 = any), `Rmem` bytes queued, `User` the uid. A socket becomes `local: {
 * address: interface name ('' for any; `interfaceName` maps an ifindex, else the index as text),
 * port: ethertype }`, state UNCONN, no peer.
 */
export function parsePacketTable(
  text: string,
  netns: number,
  interfaceName: (ifindex: number) => string,
): { sockets: Socket[]; malformedRows: number } {
  const sockets: Socket[] = [];
  let malformedRows = 0;
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const typeCode = Number(f[2]);
    const ethertype = parseInt(f[3] ?? '', 16);
    const [ifindex, , rmem, uid, inode] = f.slice(4).map(Number);
    const type = TYPES[typeCode];
    const numbers = [ethertype, ifindex, rmem, uid, inode];
    if (f.length < 9 || type === undefined || numbers.some((n) => n === undefined || !Number.isInteger(n))) {
      malformedRows++;
      continue;
    }
    sockets.push({
      protocol: 'packet',
      family: 'packet',
      state: 'UNCONN',
      local: { address: ifindex === 0 ? '' : interfaceName(ifindex ?? 0), port: ethertype },
      peer: { address: '', port: 0 },
      recvQ: rmem ?? 0,
      sendQ: 0,
      inode: inode ?? 0,
      uid: uid ?? -1,
      netns,
      owners: [],
      ownerStatus: 'none',
      ifindex: ifindex ?? 0,
      packet: { type },
    });
  }
  return { sockets, malformedRows };
}
