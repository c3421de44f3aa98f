import type { Duplex } from 'node:stream';

/** Reads a handshake from a socket piece by piece, then hands the socket back with any extra bytes unread. */
export interface ByteReader {
  /**
   * Waits until `take(buffered)` returns how many bytes form the next message, and returns them.
   * @throws the socket's error, or an Error when the peer closes first.
   */
  next(take: (buffered: Buffer) => number | undefined): Promise<Buffer>;
  /** Stops reading; bytes received past the handshake go back to the socket (unshift). */
  release(): void;
}

/** A {@link ByteReader} over `socket`, which must not be read by anyone else meanwhile. */
export function byteReader(socket: Duplex, peerName: string): ByteReader {
  let buffered: Buffer = Buffer.alloc(0);
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    wake?.();
  };
  const onEnd = () => {
    failure ??= new Error(`${peerName} closed the connection during the handshake`);
    wake?.();
  };
  const onError = (error: Error) => {
    failure = error;
    wake?.();
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
  // A socket an earlier reader released is paused, and a new 'data' listener does not resume it.
  socket.resume();
  return {
    async next(take) {
      for (;;) {
        const n = take(buffered);
        if (n !== undefined) {
          const message = buffered.subarray(0, n);
          buffered = buffered.subarray(n);
          return message;
        }
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
    release() {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.pause();
      if (buffered.length > 0) socket.unshift(buffered);
    },
  };
}
