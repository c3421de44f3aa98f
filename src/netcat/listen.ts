import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { PortscopeError, errnoCode } from '../errors.js';
import { accessRules } from './access.js';
import { bindError, hostInFamily } from './bind-address.js';
import {
  checkUnixPath,
  endpointText,
  isUnixEndpoint,
  unixPathForNode,
  type NetcatEndpoint,
  type NetcatProtocol,
} from './endpoint.js';
import type { NetcatConnection } from './connect.js';
import { serverContext, type ServerCertificateInfo } from './server-certificate.js';
import { listenUdp } from './listen-udp.js';
import { listenUnixDatagram } from './unix-datagram.js';

/** TLS on a listener: a certificate and key (PEM), or none for a temporary self-signed one. */
export interface TlsServerOptions {
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** ALPN protocols accepted, in order of preference. */
  readonly alpn?: readonly string[];
  /** A client that has not finished its handshake after this long is dropped (`tls-failed`), in ms. @default 10000 */
  readonly handshakeTimeoutMs?: number;
}

/** Where to listen: a port on `host` (default 127.0.0.1, or ::1 with `family: 6`), or a unix path. */
export type ListenEndpoint = { readonly host?: string; readonly port: number } | { readonly path: string };

/** Options of {@link listen}. */
export interface ListenOptions {
  /** `tcp` or `udp`; unix with a `{ path }` endpoint. @default 'tcp' */
  readonly protocol?: NetcatProtocol;
  /** With no host: 4 listens on 127.0.0.1, 6 on ::1. @default 4 */
  readonly family?: 4 | 6;
  /**
   * With no host and no family, TCP or UDP: listen on both 127.0.0.1 and ::1, on the same port (ncat
   * listens on every address of both families; this keeps both families, on loopback). Without
   * IPv6 on the machine, 127.0.0.1 alone. @default false
   */
  readonly bothLoopbacks?: boolean;
  /**
   * Accept connections until closed, concurrently; without it, the first connection closes the
   * listener. UDP, which has no connections: see `udpKeepOpen`. @default false
   */
  readonly keepOpen?: boolean;
  /**
   * UDP with `keepOpen`: `sessions`, each sender (address and port) is a connection of its own
   * until its stream is destroyed, as ncat 7.94's `-k -u`; `unanswered`, the socket is never
   * connected and is one connection (made at the first datagram, without a `connection` event)
   * that takes every sender's datagrams and drops what is written, as nc.openbsd's `-k -u`.
   * @default 'sessions'
   */
  readonly udpKeepOpen?: 'sessions' | 'unanswered';
  /** Most connections at once; more are reset on arrival. @default 1000 */
  readonly maxConns?: number;
  /**
   * Accept only peers in these addresses, CIDRs, nmap-style IPv4 ranges (`10.0.0.*`, `10.1.1.1-50`) or
   * host names (resolved once, when listening starts), TCP and UDP; an empty list accepts nobody.
   * Others are reset (TCP: after the handshake, which the kernel completes before any check).
   */
  readonly allow?: readonly string[];
  /** Reset peers in these (as `allow` takes them). */
  readonly deny?: readonly string[];
  /** TLS on TCP or unix connections. */
  readonly tls?: TlsServerOptions;
  /** Listen queue length. @default 511 */
  readonly backlog?: number;
  /** Stops listening and closes every connection. */
  readonly signal?: AbortSignal;
  /** What happens at the door, for a log. */
  readonly onEvent?: (event: ListenEvent) => void;
}

/** One event at the listener. */
export type ListenEvent =
  | { readonly type: 'connection'; readonly peer: NetcatEndpoint }
  | { readonly type: 'refused'; readonly peer: NetcatEndpoint; readonly reason: 'denied' | 'not-allowed' | 'max-conns' }
  | { readonly type: 'tls-failed'; readonly peer: NetcatEndpoint; readonly message: string }
  | { readonly type: 'accept-failed'; readonly message: string };

/** A running listener. */
export interface NetcatListener {
  /** The address bound (the real port when 0 was asked); with `bothLoopbacks`, 127.0.0.1's. */
  readonly local: NetcatEndpoint;
  /** Every address bound: `local`, then ::1's with `bothLoopbacks`. */
  readonly locals: readonly NetcatEndpoint[];
  /** The listener's certificate with TLS (self-signed or given). */
  readonly certificate?: ServerCertificateInfo;
  /** Resolves once the listener has stopped and its last connection has closed. */
  readonly closed: Promise<void>;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_CONNS = 1000;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Listens on a TCP port, a UDP port or a unix stream socket and calls `onConnection` for each
 * accepted connection (after the TLS handshake with `tls`). UDP has no connections: the first
 * datagram's sender becomes the one peer, and the socket is connected to it (with `keepOpen`:
 * `udpKeepOpen`). Without `keepOpen`,
 * the listener stops at its first connection (with TLS: its first completed handshake, so a
 * plain-TCP probe does not end it). An accept that fails (EMFILE) is an `accept-failed` event,
 * and listening goes on.
 * @throws PortscopeError `ABORTED` (the signal had aborted already), `INVALID_ARGUMENT` (bad
 * options; an IP literal of the other `family`), `NOT_FOUND` (a name that
 * does not resolve in `family`, or in `allow`/`deny`), `PORT_IN_USE`
 * (EADDRINUSE, also for an existing unix path), `PERMISSION_DENIED` (EACCES: a port below
 * ip_unprivileged_port_start without root), `IO_ERROR`.
 */
export async function listen(
  where: ListenEndpoint,
  options: ListenOptions,
  onConnection: (connection: NetcatConnection) => void,
): Promise<NetcatListener> {
  if (options.signal?.aborted === true) throw new PortscopeError('ABORTED', 'Listening was aborted before it began');
  if ('path' in where && options.protocol === 'udp') return listenUnixDatagram(where.path, options, onConnection);
  // ncat's every-address default, kept to loopback: 127.0.0.1 and ::1.
  const bothLoopbacks =
    !('path' in where) && where.host === undefined && options.family === undefined && options.bothLoopbacks === true;
  if (!('path' in where)) where = { host: await hostInFamily(where.host, options.family), port: where.port };
  const hosts = 'path' in where ? [] : bothLoopbacks ? ['127.0.0.1', '::1'] : [where.host ?? ''];
  const protocol: NetcatProtocol = 'path' in where ? 'unix' : (options.protocol ?? 'tcp');
  const maxConns = options.maxConns ?? DEFAULT_MAX_CONNS;
  if (!Number.isInteger(maxConns) || maxConns < 1) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected maxConns to be an integer >= 1, got \`${String(maxConns)}\``,
    );
  }
  const check = await accessRules(options.allow, options.deny);
  if (check !== null && protocol === 'unix') {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected --allow/--deny with a TCP or UDP listener, got a unix socket',
    );
  }
  if (protocol === 'udp') {
    if (options.tls !== undefined)
      throw new PortscopeError('INVALID_ARGUMENT', 'Expected --tls with TCP or unix, got UDP');
    return listenUdp(hosts, (where as { port: number }).port, { ...options, maxConns }, check, onConnection);
  }
  const tls = options.tls === undefined ? undefined : serverContext(options.tls);
  const servers = (hosts.length === 0 ? [''] : hosts).map(() => createServer({ allowHalfOpen: true }));
  const sockets = new Set<Socket>();
  // Without keepOpen: the one connection taken, or being handshaken (then others are refused).
  let taken = false;
  const takeOne = () => {
    if (options.keepOpen !== true) for (const server of servers) server.close();
  };
  const onSocket = (socket: Socket) => {
    const peer: NetcatEndpoint =
      protocol === 'unix' ? { path: '' } : { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const verdict = check === null ? 'accepted' : check(socket.remoteAddress ?? '');
    const refuse = (reason: 'denied' | 'not-allowed' | 'max-conns') => {
      socket.resetAndDestroy();
      options.onEvent?.({ type: 'refused', peer, reason });
    };
    if (verdict !== 'accepted') {
      refuse(verdict);
      return;
    }
    if (sockets.size >= maxConns || (options.keepOpen !== true && taken)) {
      refuse('max-conns');
      return;
    }
    taken = true;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const local = protocol === 'unix' ? where : { host: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    if (tls === undefined) {
      takeOne();
      options.onEvent?.({ type: 'connection', peer });
      onConnection({ stream: socket, protocol, local: local as NetcatEndpoint, peer });
      return;
    }
    const secured = new TLSSocket(socket, {
      isServer: true,
      secureContext: tls.context,
      ...(options.tls?.alpn === undefined ? {} : { ALPNProtocols: [...options.tls.alpn] }),
    });
    // A client that connects and never speaks TLS must not hold the listener (without keepOpen,
    // its only slot) for ever.
    const handshakeMs = options.tls?.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    secured.setTimeout(handshakeMs, () => {
      secured.destroy(new Error(`no TLS handshake within ${String(handshakeMs)} ms`));
    });
    // A client that sends FIN before finishing its handshake never will: free its slot now, not
    // at the time-out (the listener allows half-open connections, so nothing else would).
    const onEarlyEnd = () => {
      secured.destroy(new Error('the client closed before finishing the TLS handshake'));
    };
    secured.once('end', onEarlyEnd);
    secured.once('error', (error: Error) => {
      options.onEvent?.({ type: 'tls-failed', peer, message: error.message });
      secured.destroy();
      taken = false;
    });
    secured.once('secure', () => {
      secured.off('end', onEarlyEnd);
      secured.setTimeout(0);
      secured.removeAllListeners('error');
      takeOne();
      options.onEvent?.({ type: 'connection', peer });
      onConnection({ stream: secured, protocol, local: local as NetcatEndpoint, peer });
    });
  };
  for (const server of servers) server.on('connection', onSocket);
  const locals = await bindAll(servers, hosts, where, options, protocol);
  const [local = { path: '' }] = locals;
  const boundInode = isUnixEndpoint(local) && !local.path.startsWith('@') ? lstatSync(local.path).ino : 0;
  const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.once('close', resolve)))).then(() => {
    if (isUnixEndpoint(local)) removeOwnSocketFile(local.path, boundInode);
  });
  const close = async () => {
    for (const server of servers) server.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { local, locals, ...(tls === undefined ? {} : { certificate: tls.info }), closed, close };
}

/**
 * Binds each server to its host, all on one port (the first's when 0 was asked). A second
 * address that the machine lacks (no IPv6: EADDRNOTAVAIL, EAFNOSUPPORT) is left out; any other
 * failure closes what was bound and throws.
 */
async function bindAll(
  servers: Server[],
  hosts: readonly string[],
  where: ListenEndpoint,
  options: ListenOptions,
  protocol: NetcatProtocol,
): Promise<NetcatEndpoint[]> {
  const locals: NetcatEndpoint[] = [];
  for (const [i, server] of servers.entries()) {
    const first = locals[0];
    const port = first !== undefined && 'port' in first ? first.port : 'port' in where ? where.port : 0;
    const at: ListenEndpoint = 'path' in where ? where : { host: hosts[i] ?? '', port };
    try {
      locals.push(await bindServer(server, at, options, protocol));
    } catch (error) {
      const code = errnoCode((error as Error).cause);
      if (i > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) {
        server.close();
        servers.splice(i, 1);
        break;
      }
      for (const bound of servers.slice(0, i)) bound.close();
      throw error;
    }
  }
  return locals;
}

async function bindServer(
  server: Server,
  where: ListenEndpoint,
  options: ListenOptions,
  protocol: NetcatProtocol,
): Promise<NetcatEndpoint> {
  const host = 'path' in where ? undefined : (where.host ?? (options.family === 6 ? '::1' : '127.0.0.1'));
  const path = 'path' in where ? checkUnixPath(where.path) : undefined;
  const what = path ?? endpointText({ host: host ?? '', port: 'port' in where ? where.port : 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(bindError(error, what, protocol));
    });
    const backlog = options.backlog ?? 511;
    if (path !== undefined) server.listen({ path: unixPathForNode(path), backlog }, resolve);
    else server.listen({ host, port: 'port' in where ? where.port : 0, backlog, ipv6Only: false }, resolve);
  });
  server.removeAllListeners('error');
  server.on('error', (error: Error) => {
    // Node reports a failed accept(2) (EMFILE, ENFILE) here; the listening socket is still good.
    options.onEvent?.({ type: 'accept-failed', message: errnoCode(error) ?? error.message });
  });
  const address = server.address();
  if (path !== undefined) return { path };
  if (address === null || typeof address === 'string') return { path: address ?? '' };
  return { host: address.address, port: address.port };
}

/** Removes the listener's socket file, but only while it is still the one it made. */
function removeOwnSocketFile(path: string, inode: number): void {
  if (path.startsWith('@') || inode === 0) return;
  try {
    const stat = lstatSync(path);
    if (stat.isSocket() && stat.ino === inode) unlinkSync(path);
  } catch {
    // gone already
  }
}
