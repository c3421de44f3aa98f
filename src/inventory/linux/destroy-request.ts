import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Socket } from '../../model/index.js';
import { AF_INET, AF_INET6, HOST_LE, IPPROTO } from './diag-request.js';

const SOCK_DESTROY = 21;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;

function writeAddress(buf: Buffer, at: number, address: string): void {
  const bytes = isIPv4(address) ? ipaddr.IPv4.parse(address).toByteArray() : ipaddr.IPv6.parse(address).toByteArray();
  buf.set(bytes, at);
}

/**
 * A SOCK_DESTROY request for one inet socket (what `ss -K` sends): nlmsghdr, then an inet_diag_req_v2 whose
 * inet_diag_sockid names the socket by ports, addresses, interface and cookie (the kernel checks the
 * cookie, so a socket that was closed and replaced by another with the same addresses is never hit).
 * Undefined for a socket SOCK_DESTROY cannot name: unix, packet and netlink sockets, MPTCP (its protocol
 * number does not fit the request), or no cookie (read from procfs).
 */
export function destroyRequest(socket: Socket): Buffer | undefined {
  const { protocol } = socket;
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'udplite' && protocol !== 'raw') return undefined;
  if ((socket.family !== 'inet' && socket.family !== 'inet6') || socket.cookie === undefined) return undefined;
  const buf = Buffer.alloc(16 + 56);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  view.setUint32(0, buf.length, HOST_LE);
  view.setUint16(4, SOCK_DESTROY, HOST_LE);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_ACK, HOST_LE);
  const p = 16;
  view.setUint8(p, socket.family === 'inet' ? AF_INET : AF_INET6);
  view.setUint8(p + 1, IPPROTO[protocol]);
  // Raw sockets: the request's pad byte is the raw protocol, which the dump gave as the local port.
  if (socket.protocol === 'raw') view.setUint8(p + 3, socket.local.port);
  view.setUint16(p + 8, socket.local.port, false);
  view.setUint16(p + 10, socket.peer.port, false);
  writeAddress(buf, p + 12, socket.local.address);
  writeAddress(buf, p + 28, socket.peer.address);
  view.setUint32(p + 44, socket.ifindex ?? 0, HOST_LE);
  const cookie = BigInt(`0x${socket.cookie}`);
  view.setUint32(p + 48, Number(cookie & 0xffffffffn), HOST_LE);
  view.setUint32(p + 52, Number(cookie >> 32n), HOST_LE);
  return buf;
}
