import type { Duplex } from 'node:stream';
import { headLength } from './http-head.js';

/** Bytes held for a reader before the stream is paused (the kernel then holds the rest). */
const HIGH_WATER_BYTES = 65_536;
/** How long {@link HttpSource.finish} waits for the peer's FIN before closing anyway, in ms. */
const LINGER_MS = 2000;

/**
 * Reads one side of an HTTP exchange on demand: a head (request or response), then
 * a body piece by piece. At most about {@link HIGH_WATER_BYTES} are held (the stream is paused
 * beyond), and every wait has a deadline, so a peer that sends too much or too slowly costs
 * bounded memory and time. Unlike a stream unshift, this works too when the peer's FIN came with
 * the bytes (a request body that the client sends and closes at once).
 */
export class HttpSource {
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;
  private wake: (() => void) | undefined;
  private dropping = false;

  constructor(private readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => {
      if (this.dropping) return;
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      if (this.buffered.length >= HIGH_WATER_BYTES) stream.pause();
      this.wake?.();
    });
    const finish = () => {
      this.done = true;
      this.wake?.();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }

  /** Whether the peer has closed (or failed) and no byte is left unread. */
  get ended(): boolean {
    return this.done && this.buffered.length === 0;
  }

  /**
   * The next message head (see {@link headLength}), or 413 when it outgrows ncat's limits, waiting
   * at most until `deadline` (a Date.now() time): 'timeout' then, 'closed' if the peer closes first.
   */
  async head(deadline: number): Promise<Buffer | 413 | 'timeout' | 'closed'> {
    for (;;) {
      const n = headLength(this.buffered);
      if (n === 'too large') return 413;
      if (n !== undefined) {
        const head = this.buffered.subarray(0, n);
        this.buffered = this.buffered.subarray(n);
        return head;
      }
      if (this.done) return 'closed';
      if (!(await this.more(deadline))) return 'timeout';
    }
  }

  /**
   * Ends the exchange: writes `last`, sends FIN, and from then on reads and drops what the peer
   * still sends (closing with unread bytes would reset the connection, and the peer could lose the
   * answer); the stream closes at the peer's FIN, or is destroyed after {@link LINGER_MS}.
   */
  finish(last = ''): void {
    this.dropping = true;
    this.buffered = Buffer.alloc(0);
    if (this.stream.destroyed) return;
    // Once both sides have ended, the socket closes by itself (autoDestroy).
    const timer = setTimeout(() => {
      this.stream.destroy();
    }, LINGER_MS);
    this.stream.once('close', () => {
      clearTimeout(timer);
    });
    this.stream.end(last);
    this.stream.resume();
  }

  /** Up to `max` bytes, or null when the peer has closed, or nothing came before `deadline`. */
  async read(max: number, deadline = Infinity): Promise<Buffer | null> {
    while (this.buffered.length === 0) {
      if (this.done || !(await this.more(deadline))) return null;
    }
    const piece = this.buffered.subarray(0, max);
    this.buffered = this.buffered.subarray(piece.length);
    return piece;
  }

  /** Resumes the stream and waits for its next event; false if `deadline` passes first. */
  private more(deadline: number): Promise<boolean> {
    this.stream.resume();
    return new Promise((resolve) => {
      const timer =
        deadline === Infinity
          ? undefined
          : setTimeout(
              () => {
                this.wake = undefined;
                resolve(false);
              },
              Math.max(0, deadline - Date.now()),
            );
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }
}

/** Writes `chunk`, waiting while `socket` is full; false when it has closed meanwhile. */
export function writeAll(socket: Duplex, chunk: Buffer): Promise<boolean> {
  if (socket.destroyed || socket.writableEnded) return Promise.resolve(false);
  if (socket.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      socket.off('drain', drained);
      socket.off('close', closed);
      resolve(ok);
    };
    const drained = done(true);
    const closed = done(false);
    socket.once('drain', drained);
    socket.once('close', closed);
  });
}
