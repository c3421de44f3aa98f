import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { splitHead, withoutHopByHop } from './http-head.js';
import { HttpSource, writeAll } from './http-source.js';

/**
 * Passes the target's response to the client as ncat's proxy does: the status line as HTTP/1.0,
 * the header without its hop-by-hop fields and with `Connection: close`, then the body, cut at
 * the first `Content-Length` (all of it until the target closes, without one). The target is
 * closed at the end, the client is not. Returns the target's status, relayed; or, with nothing
 * written to the client, 504 when no response head comes within `idleMs`, 502 when the head is not
 * an HTTP response ncat would relay. The body ends, too, after `idleMs` without a byte.
 */
export async function forwardResponse(
  client: Duplex,
  target: Socket,
  idleMs: number,
): Promise<{ readonly status: number; readonly relayed: boolean }> {
  const source = new HttpSource(target);
  const head = await source.head(Date.now() + idleMs);
  const parts = Buffer.isBuffer(head) ? splitHead(head.toString('latin1')) : undefined;
  const status = parts === undefined ? null : /^HTTP\/\d+(?:\.\d+)? (\d{3})(?: (.*))?$/.exec(parts.line);
  const fields = parts === undefined || parts.fields === 400 ? 400 : withoutHopByHop(parts.fields);
  const length = fields === 400 ? undefined : fields.find(([name]) => name.toLowerCase() === 'content-length')?.[1];
  if (status === null || fields === 400 || (length !== undefined && !/^\d{1,15}$/.test(length))) {
    target.destroy();
    return { status: head === 'timeout' ? 504 : 502, relayed: false };
  }
  const code = Number(status[1]);
  const fieldLines = fields.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  client.write(`HTTP/1.0 ${String(code)} ${status[2] ?? ''}\r\n${fieldLines}Connection: close\r\n\r\n`);
  for (let left = length === undefined ? Infinity : Number(length); left > 0;) {
    const piece = await source.read(Math.min(left, 65_536), Date.now() + idleMs);
    if (piece === null || !(await writeAll(client, piece))) break;
    left -= piece.length;
  }
  target.destroy();
  return { status: code, relayed: true };
}
