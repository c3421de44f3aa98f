import { closeSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { errnoCode, PortscopeError } from '../../errors.js';
import type { Socket } from '../../model/index.js';
import { HOST_LE, IPPROTO } from './diag-request.js';
import { compileFilter } from '../filter/compile.js';
import { parseFilter } from '../filter/parser.js';
import type { FilterNode } from '../filter/index.js';
import { linuxFilterResolvers } from './filter-context.js';
import { nativeAddon } from './native.js';
import { netnsOf, readNetnsNames } from './netns.js';
import { readUsers } from './passwd.js';
import { parseInetDiag } from './parse-diag.js';

const readAsync = promisify(read);
/** SKNLGRP_INET_TCP_DESTROY, INET_UDP_DESTROY, INET6_TCP_DESTROY, INET6_UDP_DESTROY. */
const ALL_GROUPS = 0b1111;
const INET_DIAG_PROTOCOL = 10;
const PROTOCOLS = new Map<number, 'tcp' | 'udp' | 'udplite' | 'raw'>(
  Object.entries(IPPROTO).map(([name, n]) => [n, name as 'tcp' | 'udp' | 'udplite' | 'raw']),
);

/** The IPPROTO of an inet_diag event message at `at` (its INET_DIAG_PROTOCOL attribute), 0 when absent. */
function protocolOf(view: DataView, at: number, end: number): number {
  for (let p = at + 16 + 72; p + 4 <= end;) {
    const length = view.getUint16(p, HOST_LE);
    if (length < 4) break;
    if ((view.getUint16(p + 2, HOST_LE) & 0x3fff) === INET_DIAG_PROTOCOL && length >= 5) return view.getUint8(p + 4);
    p += (length + 3) & ~3;
  }
  return 0;
}

/** The sockets of one datagram of destroy events (each message parsed with its own protocol). */
function parseEvents(buf: Buffer, netns: number): Socket[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sockets: Socket[] = [];
  for (let at = 0; at + 16 <= buf.length;) {
    const length = view.getUint32(at, HOST_LE);
    if (length < 16 || at + length > buf.length) break;
    const protocol = PROTOCOLS.get(protocolOf(view, at, at + length));
    if (protocol !== undefined) {
      const one = buf.subarray(at, at + length);
      const family = one[16] === 10 ? 'inet6' : 'inet';
      for (const s of parseInetDiag(one, { protocol, family }, netns).sockets) sockets.push(s);
    }
    at += (length + 3) & ~3;
  }
  return sockets;
}

/**
 * TCP and UDP sockets of this network namespace as the kernel destroys them (`ss -E`), from sock_diag's
 * multicast destroy events, until `signal` aborts (within 250 ms). Each socket is as a listing gives it, with
 * its last state, without owners (the holder has closed it); only those that match `filter` (the filter
 * language; owner predicates never match). Needs root (CAP_NET_ADMIN) and the native addon.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` (no addon), `PERMISSION_DENIED` (not root), `INVALID_FILTER`.
 */
export async function* watchDestroyedSockets(
  options: { readonly signal?: AbortSignal; readonly filter?: string | FilterNode } = {},
): AsyncGenerator<Socket> {
  const { filter = { type: 'all' } } = options;
  const netnsNames = new Map([...readNetnsNames()].map(([inode, name]) => [name, inode]));
  const matches = compileFilter(typeof filter === 'string' ? parseFilter(filter) : filter, {
    users: readUsers(),
    netnsNames,
    ...linuxFilterResolvers(),
  });
  const addon = nativeAddon();
  if (addon?.diagEventsOpen === undefined) {
    throw new PortscopeError(
      'UNSUPPORTED_PLATFORM',
      'Expected the native addon (build/Release/portscope_native.node) for destroy events, but it is not built: run `npm rebuild portscope` with python3, make and a C compiler installed',
    );
  }
  let fd: number;
  try {
    fd = addon.diagEventsOpen(ALL_GROUPS);
  } catch (error) {
    throw new PortscopeError('PERMISSION_DENIED', 'Expected root (CAP_NET_ADMIN) to watch socket destroy events', {
      cause: error,
    });
  }
  const netns = netnsOf('self') ?? 0;
  const buf = Buffer.alloc(1 << 16);
  try {
    while (options.signal?.aborted !== true) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await readAsync(fd, buf, 0, buf.length, null));
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') continue;
        throw error;
      }
      for (const socket of parseEvents(buf.subarray(0, bytesRead), netns)) if (matches(socket)) yield socket;
    }
  } finally {
    closeSync(fd);
  }
}
