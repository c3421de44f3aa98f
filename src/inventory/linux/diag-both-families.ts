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
 * follows it, else -1. A full listing of Socket objects keeps one request per family: its reply interleaves
 * the families (the kernel walks its hash by bucket), and splitByFamily would copy it run by run. The
 * columnar listing (read-columns.ts) asks for both families even then, reading the one reply once per family.
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

/** `reply`'s byte ranges `runs` (flat start, end pairs) as one Buffer: a view when there is one range, else a copy. */
function gather(reply: Buffer, runs: readonly number[]): Buffer {
  if (runs.length === 2) return reply.subarray(runs[0], runs[1]);
  let total = 0;
  for (let i = 0; i < runs.length; i += 2) total += (runs[i + 1] ?? 0) - (runs[i] ?? 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) at += reply.copy(out, at, runs[i], runs[i + 1]);
  return out;
}

/**
 * Splits the reply of {@link bothFamiliesRequest} into what the AF_INET and the AF_INET6 requests would
 * have returned: each message, in the kernel's order, goes to its family's reply, its nlmsg_type set to
 * SOCK_DIAG_BY_FAMILY (the parser's; set in `reply` itself). A message of neither family goes to the first
 * (the parser counts it as malformed, as it would there). Consecutive messages of one family are copied
 * at once, and a family whose messages are all consecutive (a port of one family: the usual case) is a
 * view of `reply`, not a copy: a port with thousands of sockets had one copy per message.
 */
export function splitByFamily(reply: Buffer): [Buffer, Buffer] {
  const view = new DataView(reply.buffer, reply.byteOffset, reply.length);
  const runs: [number[], number[]] = [[], []];
  walkMessages(view, (off, length) => {
    const end = off + Math.min((length + 3) & ~3, reply.length - off);
    if (view.getUint16(off + 4, HOST_LE) === TCPDIAG_GETSOCK) view.setUint16(off + 4, SOCK_DIAG_BY_FAMILY, HOST_LE);
    const list = runs[reply[off + NLMSG_HDRLEN] === AF_INET6 ? 1 : 0];
    if (list.length > 0 && list[list.length - 1] === off) list[list.length - 1] = end;
    else list.push(off, end);
  });
  return [gather(reply, runs[0]), gather(reply, runs[1])];
}
