import { randomBytes } from 'node:crypto';
import { closeSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { PortscopeError, errnoCode } from '../errors.js';
import { nativeAddon } from '../inventory/linux/native.js';
import type { NetcatConnection } from './connect.js';
import { checkUnixPath } from './endpoint.js';
import type { ListenOptions, NetcatListener } from './listen.js';

/** The native addon's unix datagram calls (native/unixdgram.c); paths starting with `@` are abstract names. */
interface UnixDgramAddon {
  unixDgramOpen(bindPath: string | null, connectPath: string | null): number;
  unixDgramConnect(fd: number, path: string): void;
  unixDgramRecv(fd: number): { data: Buffer; from: string } | null;
  unixDgramSend(fd: number, data: Buffer, toPath: string | null): string | undefined;
  unixDgramWatch(fd: number, onReadable: () => void): object;
  unixDgramUnwatch(handle: object): void;
}

/** How long a write waits before trying again when the peer's receive queue is full (EAGAIN). */
const FULL_QUEUE_RETRY_MS = 10;

function addon(): UnixDgramAddon {
  const native = nativeAddon() as Partial<UnixDgramAddon> | undefined;
  if (native?.unixDgramOpen === undefined) {
    throw new PortscopeError(
      'UNSUPPORTED_PLATFORM',
      'Unix datagram sockets (-U -u) need portscope’s native addon, which is not built here (Node has no AF_UNIX datagram sockets)',
    );
  }
  return native as UnixDgramAddon;
}

function unlinkQuietly(path: string | undefined): void {
  if (path === undefined || path.startsWith('@')) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * A Duplex over a unix datagram socket: each write is one datagram, each datagram received one
 * chunk. As UDP, no FIN: `end()` sends nothing and the readable side never ends by itself. Closing
 * removes `ownPath` (the socket's own bound path) from the file system.
 */
export class UnixDatagramStream extends Duplex {
  private readonly native: UnixDgramAddon;
  private readonly fd: number;
  private readonly watch: object;
  private readonly ownPath: string | undefined;

  /** `accept` sees each sender's path (a listener's socket before it is connected to its peer). */
  constructor(native: UnixDgramAddon, fd: number, ownPath: string | undefined, accept?: (from: string) => boolean) {
    super({ allowHalfOpen: true });
    this.native = native;
    this.fd = fd;
    this.ownPath = ownPath;
    this.watch = native.unixDgramWatch(fd, () => {
      try {
        for (let d = native.unixDgramRecv(fd); d !== null; d = native.unixDgramRecv(fd))
          if (accept === undefined || accept(d.from)) this.push(d.data);
      } catch (error) {
        this.destroy(error as Error);
      }
    });
  }

  /** Connects the socket to `path` (a listener to its first peer). */
  connectTo(path: string): void {
    this.native.unixDgramConnect(this.fd, path);
  }

  override _read(): void {
    // Datagrams are pushed as they arrive.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (chunk.length === 0 || this.destroyed) {
      callback();
      return;
    }
    const code = this.native.unixDgramSend(this.fd, chunk, null);
    // A listener with no peer to answer (an unbound sender, or --keep-open) drops what is written, as nc.openbsd's.
    if (code === undefined || code === 'ENOTCONN' || code === 'EDESTADDRREQ') callback();
    else if (code === 'EAGAIN')
      setTimeout(() => {
        this._write(chunk, _encoding, callback);
      }, FULL_QUEUE_RETRY_MS);
    else callback(Object.assign(new Error(`send: ${code}`), { code }));
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(); // no FIN on a datagram socket
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.native.unixDgramUnwatch(this.watch);
    closeSync(this.fd);
    unlinkQuietly(this.ownPath);
    callback(error);
  }
}

function openError(error: unknown, path: string, ownPath: string | undefined): PortscopeError {
  const code = errnoCode(error);
  if (code === 'ENOENT') return new PortscopeError('NOT_FOUND', `No unix socket at \`${path}\``, { cause: error });
  if (code === 'EADDRINUSE')
    return new PortscopeError('PORT_IN_USE', `\`${ownPath ?? path}\` is already in use`, { cause: error });
  if (code === 'EPROTOTYPE')
    return new PortscopeError('CONNECTION_FAILED', `\`${path}\` is not a datagram socket (Protocol wrong type)`, {
      cause: error,
    });
  if (code === 'EACCES' || code === 'EPERM')
    return new PortscopeError('PERMISSION_DENIED', `No permission for \`${ownPath ?? path}\``, { cause: error });
  return new PortscopeError('CONNECTION_FAILED', `Unix datagram socket \`${path}\`: ${code ?? String(error)}`, {
    cause: error,
  });
}

/**
 * A unix datagram client connected to `path`. Like nc.openbsd, it binds its own socket to a path so
 * that the peer can answer: `sourcePath`, else a fresh `portscope-nc.XXXXXXXXXX` in the temporary
 * directory; that path is removed when the stream closes.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` (no native addon), `NOT_FOUND` (nothing at path),
 * `CONNECTION_FAILED` (refused; a stream socket there), `PORT_IN_USE` (sourcePath exists), `PERMISSION_DENIED`.
 */
export function connectUnixDatagram(path: string, sourcePath?: string): NetcatConnection {
  const native = addon();
  checkUnixPath(path);
  const ownPath = sourcePath ?? join(tmpdir(), `portscope-nc.${randomBytes(5).toString('hex')}`);
  checkUnixPath(ownPath);
  let fd: number;
  try {
    fd = native.unixDgramOpen(ownPath, path);
  } catch (error) {
    throw openError(error, path, ownPath);
  }
  const stream = new UnixDatagramStream(native, fd, ownPath);
  return { stream, protocol: 'unix', local: { path: ownPath }, peer: { path } };
}

/**
 * A unix datagram "listener" on `path` (removed when it closes). Without `keepOpen`, the first
 * datagram's sender becomes the one peer and the socket is connected to it (as nc.openbsd); an
 * unbound sender cannot be answered, so its data is taken but nothing is sent back. With
 * `keepOpen`, datagrams from every sender are taken and the socket stays unconnected.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` (no native addon), `PORT_IN_USE` (path exists),
 * `PERMISSION_DENIED`, `INVALID_ARGUMENT` (bad path).
 */
export function listenUnixDatagram(
  path: string,
  options: ListenOptions,
  onConnection: (connection: NetcatConnection) => void,
): NetcatListener {
  const native = addon();
  checkUnixPath(path);
  let fd: number;
  try {
    fd = native.unixDgramOpen(path, null);
  } catch (error) {
    throw openError(error, path, path);
  }
  let peer: string | undefined;
  const keepOpen = options.keepOpen === true;
  const stream: UnixDatagramStream = new UnixDatagramStream(native, fd, path, (from) => {
    if (peer !== undefined) return keepOpen || from === peer;
    peer = from;
    if (!keepOpen && from !== '') stream.connectTo(from);
    options.onEvent?.({ type: 'connection', peer: { path: from } });
    onConnection({ stream, protocol: 'unix', local: { path }, peer: { path: from } });
    return true;
  });
  const closed = new Promise<void>((resolve) => stream.once('close', resolve));
  const close = async () => {
    stream.destroy();
    await closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { local: { path }, locals: [{ path }], closed, close };
}
