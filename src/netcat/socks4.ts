import { lookup } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import { PortscopeError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import type { InetEndpoint } from './endpoint.js';

/** SOCKS4 reply codes 90-93. */
const SOCKS4_REPLIES: Readonly<Record<number, string>> = {
  91: 'request rejected or failed',
  92: 'the proxy could not reach identd on this host',
  93: 'identd reported another user id',
};

/**
 * The SOCKS4 CONNECT request: `socks4` sends the target's IPv4 address (a name is resolved here, in
 * IPv4); `socks4a` sends a name for the proxy to resolve (address 0.0.0.1, then the name). `user` is
 * the USERID field (SOCKS4 has no password).
 * @throws PortscopeError `INVALID_ARGUMENT` for an IPv6 target, `NOT_FOUND` for a name without an IPv4 address.
 */
export async function socks4Request(target: InetEndpoint, user: string, resolveAtProxy: boolean): Promise<Buffer> {
  if (isIP(target.host) === 6)
    throw new PortscopeError('INVALID_ARGUMENT', `Expected an IPv4 target through SOCKS4, got \`${target.host}\``);
  let address = target.host;
  let name: Buffer = Buffer.alloc(0);
  if (isIP(target.host) === 0) {
    if (resolveAtProxy) {
      address = '0.0.0.1';
      name = Buffer.concat([Buffer.from(target.host), Buffer.from([0])]);
    } else {
      try {
        address = (await lookup(target.host, { family: 4 })).address;
      } catch (error) {
        throw new PortscopeError(
          'NOT_FOUND',
          `Cannot resolve \`${target.host}\` to an IPv4 address for SOCKS4 (socks4a:// lets the proxy resolve it)`,
          { cause: error },
        );
      }
    }
  }
  const head = Buffer.from([4, 1, target.port >> 8, target.port & 0xff, ...address.split('.').map(Number)]);
  return Buffer.concat([head, Buffer.from(user), Buffer.from([0]), name]);
}

/**
 * Sends the SOCKS4/4a CONNECT request and reads the 8-byte reply.
 * @throws the error `refused(why)` makes when the proxy does not grant it (code 90).
 */
export async function socks4Handshake(
  socket: Socket,
  reader: ByteReader,
  request: Buffer,
  refused: (why: string) => Error,
): Promise<void> {
  socket.write(request);
  const reply = await reader.next((b) => (b.length >= 8 ? 8 : undefined));
  const code = reply[1] ?? 0;
  if (reply[0] !== 0) throw refused('not a SOCKS4 server');
  if (code !== 90) throw refused(SOCKS4_REPLIES[code] ?? `reply ${String(code)}`);
}
