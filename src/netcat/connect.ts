import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PortscopeError, errnoCode } from '../errors.js';
import { connectError } from './connect-errors.js';
import {
  checkFamily,
  checkUnixPath,
  endpointText,
  isUnixEndpoint,
  unixPathForNode,
  type NetcatEndpoint,
  type NetcatProtocol,
} from './endpoint.js';
import { connectThroughProxy } from './proxy.js';
import { connectStream } from './stream-connect.js';
import { parsePin, startTlsClient, type PeerCertificateInfo, type TlsClientOptions } from './tls-client.js';
import { UdpStream } from './udp-stream.js';
import { connectUnixDatagram } from './unix-datagram.js';

/** Options of {@link openConnection}. */
export interface ConnectOptions {
  /** `tcp`, `udp`, or `unix` (implied by a `{ path }` endpoint). @default 'tcp' */
  readonly protocol?: NetcatProtocol;
  /** Only IPv4 (4) or only IPv6 (6) addresses of a name. @default both, IPv4 first as the resolver orders them */
  readonly family?: 4 | 6;
  /**
   * Local address to bind before connecting (`--source`); with a proxy, for the connection to it; with a
   * unix datagram target, the client's own socket path (as nc.openbsd's -s).
   */
  readonly sourceAddress?: string;
  /** Local port to bind before connecting (`--source-port`), 1-65535; with a proxy, for the connection to it. */
  readonly sourcePort?: number;
  /**
   * Bound on the whole connect: name lookup, TCP handshake, proxy and TLS handshakes, in ms.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
  /** TCP keepalive probes on the connection (idle 60 s). @default false */
  readonly keepAlive?: boolean;
  /** TLS over TCP, verified by default (see TlsClientOptions). */
  readonly tls?: TlsClientOptions;
  /**
   * A proxy for TCP: `socks5://[user:pass@]host:port` (the proxy resolves the target's name) or
   * `http://[user:pass@]host:port` (CONNECT, with basic auth).
   */
  readonly proxy?: string;
  /** Abandons the connect; rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/** An open connection: a byte stream (one chunk per datagram for UDP) and what it connects. */
export interface NetcatConnection {
  readonly stream: Duplex;
  readonly protocol: NetcatProtocol;
  /** This side's address (`{ path }` for unix sockets; the path is '' for an unnamed client socket). */
  readonly local: NetcatEndpoint;
  /** The other side's address; for a proxied connection, the target as given. */
  readonly peer: NetcatEndpoint;
  /** The peer's certificate, for TLS. */
  readonly tls?: PeerCertificateInfo;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects to `target` over TCP (optionally through a proxy, optionally with TLS), UDP (a connected
 * socket: nothing is sent until the first write) or a unix stream socket.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad options; an IP literal of the other `family`), `NOT_FOUND` (name does not resolve, no
 * such unix path), `CONNECTION_FAILED` (refused, unreachable, proxy refusal, TLS verification),
 * `PORT_IN_USE` (source port taken), `TIMEOUT` (after `connectTimeoutMs`), `ABORTED`.
 */
export async function openConnection(target: NetcatEndpoint, options: ConnectOptions = {}): Promise<NetcatConnection> {
  const protocol: NetcatProtocol = isUnixEndpoint(target) ? 'unix' : (options.protocol ?? 'tcp');
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected connectTimeoutMs > 0, got \`${String(timeoutMs)}\``);
  }
  if ((options.tls !== undefined || options.proxy !== undefined) && protocol !== 'tcp' && protocol !== 'unix') {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected TLS and proxies over TCP, got protocol \`${protocol}\``);
  }
  if (options.proxy !== undefined && protocol === 'unix') {
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected a proxy with a TCP target, got a unix socket path');
  }
  if (!isUnixEndpoint(target)) checkFamily(target.host, options.family);
  else if (options.protocol === 'udp') return connectUnixDatagram(target.path, options.sourceAddress);
  // A malformed pin is bad input: say so before connecting, not after a handshake (or a refusal).
  for (const pin of options.tls?.pins ?? []) parsePin(pin);
  const what = endpointText(target);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const failed = (error: unknown) => {
    if (options.signal?.aborted === true) return new PortscopeError('ABORTED', `Connecting to \`${what}\` was aborted`);
    if (timeout.aborted) {
      return new PortscopeError('TIMEOUT', `Connecting to \`${what}\` timed out after ${String(timeoutMs)} ms`);
    }
    // With TLS, a reset before the handshake has finished is a failed TLS connect, as a reset
    // during the handshake is, whichever of the two it hit first.
    if (options.tls !== undefined && errnoCode(error) === 'ECONNRESET') {
      return new PortscopeError('CONNECTION_FAILED', `TLS handshake with \`${what}\` failed (ECONNRESET)`, {
        cause: error,
      });
    }
    return connectError(error, what);
  };
  try {
    signal.throwIfAborted();
    if (isUnixEndpoint(target)) {
      const socket = await connectStream({ path: unixPathForNode(checkUnixPath(target.path)) }, signal);
      const connection: NetcatConnection = { stream: socket, protocol, local: { path: '' }, peer: target };
      if (options.tls === undefined) return connection;
      const secured = await startTlsClient(socket, 'localhost', options.tls, signal);
      return { ...connection, stream: secured.socket, tls: secured.peer };
    }
    if (protocol === 'udp') return await connectUdp(target.host, target.port, options);
    const local = {
      ...(options.sourceAddress === undefined ? {} : { localAddress: options.sourceAddress }),
      ...(options.sourcePort === undefined ? {} : { localPort: options.sourcePort }),
    };
    const socket =
      options.proxy === undefined
        ? await connectStream(
            {
              host: target.host,
              port: target.port,
              ...(options.family === undefined ? {} : { family: options.family, autoSelectFamily: false }),
              ...local,
            },
            signal,
          )
        : await connectThroughProxy(options.proxy, target, signal, local);
    if (options.keepAlive === true) socket.setKeepAlive(true, 60_000);
    const bound = { host: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    const peer = peerOf(socket, target, options);
    if (options.tls === undefined) return { stream: socket, protocol, local: bound, peer };
    const secured = await startTlsClient(socket, target.host, options.tls, signal);
    return { stream: secured.socket, protocol, local: bound, peer, tls: secured.peer };
  } catch (error) {
    throw failed(error);
  }
}

/** The address really connected to, unless a proxy stands between. */
function peerOf(socket: Socket, target: NetcatEndpoint, options: ConnectOptions): NetcatEndpoint {
  if (options.proxy !== undefined || socket.remoteAddress === undefined) return target;
  return { host: socket.remoteAddress, port: socket.remotePort ?? 0 };
}

/** A UDP socket connected to the first address of `host` (of `family` when given). */
async function connectUdp(host: string, port: number, options: ConnectOptions): Promise<NetcatConnection> {
  const address =
    isIP(host) === 0
      ? (await lookup(host, options.family === undefined ? {} : { family: options.family })).address
      : host;
  const family = isIP(address) === 6 ? 'udp6' : 'udp4';
  const socket = createSocket(family);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const connect = () => {
      socket.connect(port, address, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    };
    if (options.sourceAddress === undefined && options.sourcePort === undefined) connect();
    else socket.bind({ address: options.sourceAddress, port: options.sourcePort ?? 0 }, connect);
  });
  const local = socket.address();
  return {
    stream: new UdpStream(socket),
    protocol: 'udp',
    local: { host: local.address, port: local.port },
    peer: { host: address, port },
  };
}
