import type { RemoteInfo, Socket as DgramSocket } from 'node:dgram';
import { Duplex } from 'node:stream';

/**
 * A Duplex over a connected UDP socket: each write is one datagram, each datagram received is one
 * chunk. UDP has no FIN: `end()` sends nothing and the readable side never ends by itself; closing
 * is `destroy()`. An ICMP port unreachable for an earlier datagram arrives as an ECONNREFUSED
 * error on the stream (the kernel reports it on the connected socket).
 */
export class UdpStream extends Duplex {
  readonly socket: DgramSocket;
  /** The socket is never connected (nc.openbsd's `-k -u`): what is written has no peer and is dropped. */
  readonly unanswered: boolean;

  /**
   * `accept` filters datagrams by sender (a listener's socket before it is connected to its peer).
   * `unanswered`: the socket stays unconnected and writes are dropped. @default false
   */
  constructor(socket: DgramSocket, accept?: (sender: RemoteInfo) => boolean, unanswered = false) {
    super({ allowHalfOpen: true });
    this.socket = socket;
    this.unanswered = unanswered;
    socket.on('message', (message: Buffer, sender: RemoteInfo) => {
      if (accept !== undefined && !accept(sender)) return;
      // A datagram is never split; when the reader is slow, datagrams queue here as the kernel would.
      this.push(message);
    });
    socket.on('error', (error) => {
      this.destroy(error);
    });
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  override _read(): void {
    // Datagrams are pushed as they arrive; nothing to ask for.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (chunk.length === 0 || this.unanswered) {
      callback();
      return;
    }
    this.socket.send(chunk, (error) => {
      callback(error);
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(); // no FIN in UDP
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
    callback(error);
  }
}
