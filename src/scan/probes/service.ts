import { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { DetectedService } from '../result.js';

/** Options of {@link detectService}. */
export interface DetectServiceOptions {
  /** How long each probe waits for data, in ms. */
  readonly waitMs: number;
  readonly signal?: AbortSignal;
}

/** Printable ASCII of the first non-empty line, at most 120 characters. */
export function printableLine(data: Buffer): string {
  const text = data
    .toString('latin1')
    .replace(/\r/g, '')
    .replace(/[^\x20-\x7e\n]/g, '.');
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 120);
}

/**
 * The service a first reply shows, by its opening bytes: SSH, FTP/SMTP (220 greetings), POP3,
 * IMAP, HTTP, MySQL's handshake, Redis replies, VNC, rsync. Undefined when nothing matches.
 */
export function serviceOfReply(data: Buffer): string | undefined {
  const text = data.toString('latin1');
  if (/^SSH-\d/.test(text)) return 'ssh';
  if (/^220[ -]/.test(text)) return /smtp|mail|postfix|exim|sendmail/i.test(text) ? 'smtp' : 'ftp';
  if (text.startsWith('+OK')) return 'pop3';
  if (text.startsWith('* OK')) return 'imap';
  if (/^HTTP\/\d/.test(text)) return 'http';
  if (/^(\+PONG|-NOAUTH|-ERR|-DENIED|-WRONGPASS)/.test(text)) return 'redis';
  if (text.startsWith('RFB ')) return 'vnc';
  if (text.startsWith('@RSYNCD')) return 'rsync';
  if (data.length > 5 && data[4] === 0x0a && data.readUIntLE(0, 3) === data.length - 4) return 'mysql';
  return undefined;
}

/** Connects, optionally writes `request`, and resolves with what arrived within `waitMs` (empty on silence or error). */
function exchange(
  address: string,
  port: number,
  request: Buffer | undefined,
  options: DetectServiceOptions,
): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', done);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, options.waitMs);
    options.signal?.addEventListener('abort', done);
    socket.on('error', done);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // One reply is enough; a little more time lets a multi-packet greeting complete.
      if (chunks.length === 1) setTimeout(done, 50);
    });
    socket.on('end', done);
    socket.connect({ host: address, port }, () => {
      if (request !== undefined) socket.write(request);
    });
  });
}

/** A TLS handshake without verification (we only look): the certificate's names and the protocol, or undefined. */
async function tlsLook(
  address: string,
  port: number,
  options: DetectServiceOptions,
): Promise<DetectedService | undefined> {
  // node:tls loads only when a service probe runs (-sV), not with the library.
  const { connect: tlsConnect } = await import('node:tls');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (info: DetectedService | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(info);
    };
    const onAbort = () => {
      finish(undefined);
    };
    const socket: TLSSocket = tlsConnect({
      host: address,
      port,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(onAbort, options.waitMs);
    options.signal?.addEventListener('abort', onAbort);
    socket.on('error', onAbort);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const name = (field: unknown) =>
        typeof field === 'string' ? field : Array.isArray(field) ? String(field[0]) : undefined;
      const subject = name(cert.subject.CN);
      const issuer = name(cert.issuer.CN);
      const protocol = socket.getProtocol() ?? undefined;
      socket.write('GET / HTTP/1.0\r\n\r\n');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      const report = () => {
        const reply = Buffer.concat(chunks);
        const server = /^server:\s*(.+)$/im.exec(reply.toString('latin1'))?.[1]?.trim();
        const tls = {
          ...(subject === undefined ? {} : { subject }),
          ...(issuer === undefined ? {} : { issuer }),
          ...(protocol === undefined ? {} : { protocol }),
        };
        const isHttp = /^HTTP\/\d/.test(reply.toString('latin1'));
        finish({
          name: isHttp ? 'https' : 'tls',
          ...(server === undefined ? (reply.length > 0 ? { banner: printableLine(reply) } : {}) : { banner: server }),
          tls,
        });
      };
      socket.on('end', report);
      setTimeout(report, Math.min(500, options.waitMs));
    });
  });
}

const HTTP_GET = Buffer.from('GET / HTTP/1.0\r\n\r\n');
const REDIS_PING = Buffer.from('PING\r\n');
/** PostgreSQL's SSLRequest: length 8, code 80877103; the server answers one byte, S or N. */
const PG_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * What answers on an open TCP port (`-sV`): first the banner it sends on its own (SSH, SMTP, FTP,
 * MySQL...); when it stays silent, in parallel a TLS handshake (certificate subject and issuer),
 * an HTTP GET, a Redis PING and a PostgreSQL SSLRequest, the first that identifies it winning in
 * that order. Each probe is its own connection and waits at most `waitMs`. Undefined when the
 * port never answered; `{ name: 'unknown', banner }` when it answered in a way we do not know.
 */
export async function detectService(
  address: string,
  port: number,
  options: DetectServiceOptions,
): Promise<DetectedService | undefined> {
  const banner = await exchange(address, port, undefined, options);
  if (banner.length > 0) return { name: serviceOfReply(banner) ?? 'unknown', banner: printableLine(banner) };
  const [tls, http, redis, pg] = await Promise.all([
    tlsLook(address, port, options),
    exchange(address, port, HTTP_GET, options),
    exchange(address, port, REDIS_PING, options),
    exchange(address, port, PG_SSL_REQUEST, options),
  ]);
  if (tls !== undefined) return tls;
  if (http.length > 0 && serviceOfReply(http) === 'http') {
    const server = /^server:\s*(.+)$/im.exec(http.toString('latin1'))?.[1]?.trim();
    return { name: 'http', banner: server ?? printableLine(http) };
  }
  if (redis.length > 0 && serviceOfReply(redis) === 'redis') return { name: 'redis', banner: printableLine(redis) };
  if (pg.length === 1 && (pg[0] === 0x53 || pg[0] === 0x4e)) return { name: 'postgresql' };
  const any = [http, redis, pg].find((b) => b.length > 0);
  return any === undefined ? undefined : { name: serviceOfReply(any) ?? 'unknown', banner: printableLine(any) };
}
