import type { Duplex, Readable, Writable } from 'node:stream';
import { PortscopeError, errnoCode } from '../errors.js';
import { connectError } from './connect-errors.js';
import { crlfConverter } from './crlf.js';
import { UdpPeerStream } from './udp-sessions.js';
import { UdpStream } from './udp-stream.js';
import { UnixDatagramStream } from './unix-datagram.js';

/** How a {@link relay} ends. See docs/netcat.md, "EOF". */
export interface RelayOptions {
  /** Input's EOF does not shut down the connection's write side (no FIN). @default false */
  readonly noShutdown?: boolean;
  /**
   * The peer's FIN ends the relay: input is no longer read (what it already gave is still sent).
   * Without it, the peer's FIN is its half-close and input is sent until it ends. @default false
   */
  readonly endOnPeerFin?: boolean;
  /** Ignore what the peer sends; end once input has ended and the FIN is sent. @default false */
  readonly sendOnly?: boolean;
  /** Never read input; end when the peer closes. @default false */
  readonly recvOnly?: boolean;
  /**
   * After input's EOF, the longest wait for the peer's side to end, in ms. For TCP and unix the wait
   * is for the peer's FIN, counted from our FIN; for UDP (no FIN) it is for quiet: it restarts at
   * every datagram. @default Infinity for TCP and unix, 2000 for UDP
   */
  readonly lingerMs?: number;
  /** End after this long without data in either direction, in ms. @default Infinity */
  readonly idleTimeoutMs?: number;
  /** Send input's bare LF as CRLF. @default false */
  readonly crlf?: boolean;
  /** Ends the relay (`end: 'aborted'`) and closes the connection. */
  readonly signal?: AbortSignal;
  /** Sees every chunk, as sent (after CRLF conversion) and as received: for hex dumps and transcripts. */
  readonly onData?: (direction: 'sent' | 'received', chunk: Buffer) => void;
}

/**
 * Why a relay ended: the peer closed (FIN, or the datagram socket was closed), input ended with
 * `sendOnly`, the linger or idle time ran out, the signal aborted, or the output went away (EPIPE).
 */
export type RelayEnd = 'peer-closed' | 'input-ended' | 'linger-expired' | 'idle-timeout' | 'aborted' | 'output-closed';

/** What a relay moved, in bytes, and why it ended. */
export interface RelayResult {
  /** Bytes taken from input (after CRLF conversion). */
  readonly sentBytes: number;
  readonly receivedBytes: number;
  readonly end: RelayEnd;
  /** Input reached its end (false when it was not read at all, or the relay ended first). */
  readonly inputEnded: boolean;
  /**
   * Bytes taken from input that never reached the kernel's socket: 0 unless the relay ended before
   * they were sent (linger, idle time-out, abort, reset). What input still held, not yet taken,
   * is not counted (`inputEnded` false says there may be some).
   */
  readonly unsentBytes: number;
}

/**
 * Copies `input` to the connection `peer` and the peer to `output`, with netcat's EOF rules done
 * right: input's EOF sends FIN (`peer.end()`) and keeps reading; the peer's FIN is its half-close:
 * input is still sent until it ends, then our FIN, and the relay ends once both are flushed
 * (`endOnPeerFin`: the peer's FIN stops reading input at once); `lingerMs` bounds the wait after
 * input's EOF. The peer's socket must allow half-open connections (`allowHalfOpen`). Back-pressure is kept both ways. The peer is closed when the
 * relay ends; input and output are left open (they are usually the process's stdin and stdout),
 * input paused: destroy a pipe or socket input once done with it, as Node keeps a paused pipe's
 * pending read, and with it the process, alive. `input` or `output` may be null (nothing to send
 * or nowhere to print).
 * @throws PortscopeError `IO_ERROR` (the connection reset or failed mid-way; the message counts the
 * bytes of input that were not sent), `CONNECTION_FAILED`
 * (UDP: the peer's port is unreachable; TLS: the peer ended the session with an alert, as a TLS 1.3
 * server does after the handshake when it wants a client certificate).
 */
export function relay(
  peer: Duplex,
  input: Readable | null,
  output: Writable | null,
  options: RelayOptions = {},
): Promise<RelayResult> {
  const datagram = peer instanceof UdpStream || peer instanceof UdpPeerStream || peer instanceof UnixDatagramStream;
  const lingerMs = options.lingerMs ?? (datagram ? 2000 : Infinity);
  const idleMs = options.idleTimeoutMs ?? Infinity;
  const convert = options.crlf === true ? crlfConverter() : undefined;
  const reading = input !== null && options.recvOnly !== true;
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let writtenBytes = 0;
    let receivedBytes = 0;
    let peerEnded = false;
    let settled = false;
    let inputEnded = false;
    let lingerTimer: NodeJS.Timeout | undefined;
    let idleTimer: NodeJS.Timeout | undefined;

    const cleanup = () => {
      clearTimeout(lingerTimer);
      clearTimeout(idleTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (input !== null) {
        input.off('data', onInput);
        input.off('end', onInputEnd);
        input.off('error', onInputError);
        input.pause();
      }
      output?.off('error', onOutputError);
    };
    const unsent = () => sentBytes - writtenBytes;
    const finish = (end: RelayEnd) => {
      if (settled) return;
      settled = true;
      const unsentBytes = unsent();
      cleanup();
      resolve({ sentBytes, receivedBytes, end, inputEnded, unsentBytes });
      peer.destroy();
    };
    const fail = (error: PortscopeError) => {
      if (settled) return;
      settled = true;
      const unsentBytes = unsent();
      cleanup();
      peer.destroy();
      reject(
        unsentBytes === 0
          ? error
          : new PortscopeError(error.code, `${error.message}; ${String(unsentBytes)} bytes of input were not sent`, {
              cause: error.cause,
            }),
      );
    };
    // Both directions are done: flush what is still on its way, then end.
    const closeWhenFlushed = () => {
      if (!peer.writableEnded) peer.end();
      void Promise.all([flushed(), sent()]).then(() => {
        finish('peer-closed');
      });
    };
    const armIdle = () => {
      if (!Number.isFinite(idleMs)) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        finish('idle-timeout');
      }, idleMs);
    };
    const armLinger = () => {
      if (!Number.isFinite(lingerMs)) return;
      clearTimeout(lingerTimer);
      lingerTimer = setTimeout(() => {
        finish('linger-expired');
      }, lingerMs);
    };
    // What input gave has reached the kernel (our FIN included), and output has drained.
    const sent = () => until(peer, peer.writableFinished || peer.destroyed, 'finish');
    const flushed = () => until(output, output === null || !output.writableNeedDrain || output.destroyed, 'drain');

    function onInput(chunk: Buffer | string) {
      const raw = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const data = convert === undefined ? raw : convert(raw);
      sentBytes += data.length;
      armIdle();
      options.onData?.('sent', data);
      const written = peer.write(data, (error) => {
        if (error === null || error === undefined) writtenBytes += data.length;
      });
      if (!written && input !== null) {
        input.pause();
        peer.once('drain', () => {
          if (!settled) input.resume();
        });
      }
    }
    function onInputEnd() {
      inputEnded = true;
      if (options.sendOnly === true) {
        peer.end(() => {
          finish('input-ended');
        });
        return;
      }
      if (peerEnded) {
        closeWhenFlushed();
        return;
      }
      if (options.noShutdown !== true) peer.end();
      armLinger();
    }
    function onInputError(error: Error) {
      fail(new PortscopeError('IO_ERROR', `Reading input failed: ${error.message}`, { cause: error }));
    }
    function onOutputError(error: Error) {
      if (errnoCode(error) === 'EPIPE') finish('output-closed');
      else fail(new PortscopeError('IO_ERROR', `Writing output failed: ${error.message}`, { cause: error }));
    }
    function onAbort() {
      finish('aborted');
    }

    peer.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      armIdle();
      if (datagram && inputEnded) armLinger();
      options.onData?.('received', chunk);
      if (options.sendOnly === true || output === null) return;
      if (!output.write(chunk)) {
        peer.pause();
        output.once('drain', () => {
          if (!settled) peer.resume();
        });
      }
    });
    peer.on('end', () => {
      // The peer's FIN: nothing more will come from it, but it may still read (a half-close, as
      // in `nc -l < file` with a client whose stdin is empty): input goes on until it ends,
      // unless the old rule was asked for.
      peerEnded = true;
      if (reading && !inputEnded && options.endOnPeerFin !== true) return;
      if (input !== null) input.off('data', onInput);
      closeWhenFlushed();
    });
    peer.on('close', () => {
      void flushed().then(() => {
        finish('peer-closed');
      });
    });
    peer.on('error', (error) => {
      const code = errnoCode(error);
      if (code === 'ECONNRESET' || code === 'EPIPE') {
        fail(new PortscopeError('IO_ERROR', `The connection was reset by the peer (${code})`, { cause: error }));
      } else if (typeof code === 'string' && code.startsWith('ERR_SSL_')) {
        fail(tlsAlertError(error));
      } else if (datagram && code === 'ECONNREFUSED') {
        fail(connectError(error, 'the UDP peer (ICMP port unreachable)'));
      } else {
        fail(new PortscopeError('IO_ERROR', `The connection failed: ${error.message}`, { cause: error }));
      }
    });
    output?.on('error', onOutputError);
    if (options.signal !== undefined) {
      if (options.signal.aborted) {
        finish('aborted');
        return;
      }
      options.signal.addEventListener('abort', onAbort, { once: true });
    }
    armIdle();
    // A socket handed over paused (after a proxy handshake) would not flow by a 'data' listener alone.
    peer.resume();
    if (reading) {
      input.on('data', onInput);
      input.once('end', onInputEnd);
      input.on('error', onInputError);
      input.resume();
    }
  });
}

/** A TLS alert from the peer (OpenSSL's `reason`) as one line, with a hint for the usual ones. */
function tlsAlertError(error: Error): PortscopeError {
  const reason = (error as { reason?: unknown }).reason;
  const text = typeof reason === 'string' ? reason : error.message;
  const hint = /certificate required|handshake failure|bad certificate|unknown ca/i.test(text)
    ? ' (does it want a client certificate? --cert and --key)'
    : '';
  return new PortscopeError('CONNECTION_FAILED', `The TLS peer ended the session: ${text}${hint}`, { cause: error });
}

/** Resolves at once when `ready`, else at `stream`'s first `event` or 'close'. */
function until(stream: Duplex | Writable | null, ready: boolean, event: 'finish' | 'drain'): Promise<void> {
  if (ready || stream === null) return Promise.resolve();
  return new Promise((done) => {
    stream.once(event, done);
    stream.once('close', done);
  });
}
