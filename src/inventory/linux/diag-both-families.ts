import { walkMessages } from './diag-messages.js';
import {
  AF_INET6,
  HOST_LE,
  NLMSG_HDRLEN,
  SOCK_DIAG_BY_FAMILY,
  TCPDIAG_GETSOCK,
  tcpBothFamiliesRequest,
} from './diag-request.js';
import type { DiagQuery, TableSpec } from './diag-tables.js';

/**
 * Where a port query (`who`, `kill`: the kernel filters by local port) can ask for TCP of both families in
 * one request (tcpBothFamiliesRequest): the index of the AF_INET TCP table in `asked` when the AF_INET6 one
 * follows it, else -1. A full listing keeps one request per family: its rows come family by family.
 */
export function bothFamiliesAt(asked: readonly TableSpec[], query: DiagQuery): number {
  if (query.localPorts === undefined || query.localPorts.length === 0) return -1;
  const v4 = asked.findIndex((t) => t.protocol === 'tcp' && t.family === 'inet');
  const next = asked[v4 + 1];
  return v4 >= 0 && next?.protocol === 'tcp' && next.family === 'inet6' ? v4 : -1;
}

/** The request that replaces the two TCP requests at {@link bothFamiliesAt}. */
export function bothFamiliesRequest(query: DiagQuery): Buffer {
  return tcpBothFamiliesRequest(query.tcpStateMask, query.localPorts, query.extensions?.inet);
}

/**
 * Splits the reply of {@link bothFamiliesRequest} into what the AF_INET and the AF_INET6 requests would
 * have returned: each message, in the kernel's order, goes to its family's reply, its nlmsg_type set to
 * SOCK_DIAG_BY_FAMILY (the parser's). A message of neither family goes to the first (the parser counts it
 * as malformed, as it would there).
 */
export function splitByFamily(reply: Buffer): [Buffer, Buffer] {
  const view = new DataView(reply.buffer, reply.byteOffset, reply.length);
  // Two passes over the messages: their sizes per family, then one copy each into the two replies.
  const each = (visit: (off: number, aligned: number, v6: boolean) => void) =>
    walkMessages(view, (off, length) => {
      visit(off, Math.min((length + 3) & ~3, reply.length - off), reply[off + NLMSG_HDRLEN] === AF_INET6);
    });
  let v6Bytes = 0;
  let v4Bytes = 0;
  each((_, aligned, v6) => {
    if (v6) v6Bytes += aligned;
    else v4Bytes += aligned;
  });
  const parts: [Buffer, Buffer] = [Buffer.allocUnsafe(v4Bytes), Buffer.allocUnsafe(v6Bytes)];
  const views = parts.map((b) => new DataView(b.buffer, b.byteOffset, b.length));
  const at = [0, 0];
  each((off, aligned, v6) => {
    const k = v6 ? 1 : 0;
    const target = parts[k];
    const start = at[k] ?? 0;
    reply.copy(target, start, off, off + aligned);
    const out = views[k];
    if (out?.getUint16(start + 4, HOST_LE) === TCPDIAG_GETSOCK) out.setUint16(start + 4, SOCK_DIAG_BY_FAMILY, HOST_LE);
    at[k] = start + aligned;
  });
  return parts;
}
