import type { RemoteInfo, Socket } from 'node:dgram';
import { Duplex } from 'node:stream';
import { errnoCode } from '../errors.js';
import type { accessCheck } from './access.js';
import type { NetcatConnection } from './connect.js';
import type { InetEndpoint } from './endpoint.js';
import type { ListenOptions } from './listen.js';

/**
 * The most bytes a session holds unread; past it, its datagrams are dropped, as a full socket
 * receive buffer drops them (212992 bytes: Linux's default net.core.rmem_default).
 */
const MAX_UNREAD_BYTES = 212_992;

/**
 * One sender's datagrams on a shared, unconnected UDP socket (a `keepOpen` listener's session):
 * each write is one datagram to that sender, each datagram from it one chunk. UDP has no FIN:
 * `end()` sends nothing and the readable side never ends by itself. Destroying the stream ends
 * the session and leaves the socket open for the other senders.
 */
export class UdpPeerStream extends Duplex {
  readonly socket: Socket;
  readonly peer: InetEndpoint;

  constructor(socket: Socket, peer: InetEndpoint) {
    super({ allowHalfOpen: true });
    this.socket = socket;
    this.peer = peer;
  }

  /** Takes a datagram from the peer (dropped while MAX_UNREAD_BYTES wait unread). */
  deliver(message: Buffer): void {
    if (this.readableLength < MAX_UNREAD_BYTES) this.push(message);
  }

  override _read(): void {
    // Datagrams are delivered by the listener as they arrive.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    try {
      this.socket.send(chunk, this.peer.port, this.peer.host, (error) => {
        callback(error);
      });
    } catch (error) {
      callback(error as Error); // the listener closed its socket
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(); // no FIN in UDP
  }
}

/**
 * Serves each sender on `socket` as a connection of its own (ncat 7.94's UDP `--keep-open`): its
 * first datagram, when `check` accepts it and fewer than `maxConns` sessions are open, makes a
 * {@link UdpPeerStream} and calls `onConnection`; later ones go to that stream until it is
 * destroyed (a later datagram then starts a new session). Refused datagrams are dropped, each
 * one a `refused` event. Returns the open sessions, for closing.
 */
export function serveUdpSessions(
  socket: Socket,
  local: InetEndpoint,
  maxConns: number,
  options: ListenOptions,
  check: ReturnType<typeof accessCheck>,
  onConnection: (connection: NetcatConnection) => void,
): Map<string, UdpPeerStream> {
  const sessions = new Map<string, UdpPeerStream>();
  socket.on('error', (error: Error) => {
    // Not expected on an unconnected socket (Linux reports ICMP errors on connected ones only).
    options.onEvent?.({ type: 'accept-failed', message: errnoCode(error) ?? error.message });
  });
  socket.on('message', (message: Buffer, sender: RemoteInfo) => {
    const key = `${sender.address}|${String(sender.port)}`;
    const known = sessions.get(key);
    if (known !== undefined) {
      known.deliver(message);
      return;
    }
    const peer = { host: sender.address, port: sender.port };
    const verdict = check === null ? 'accepted' : check(sender.address);
    if (verdict !== 'accepted' || sessions.size >= maxConns) {
      options.onEvent?.({ type: 'refused', peer, reason: verdict === 'accepted' ? 'max-conns' : verdict });
      return;
    }
    const stream = new UdpPeerStream(socket, peer);
    sessions.set(key, stream);
    stream.once('close', () => sessions.delete(key));
    options.onEvent?.({ type: 'connection', peer });
    onConnection({ stream, protocol: 'udp', local, peer });
    stream.deliver(message);
  });
  return sessions;
}
