import { availableParallelism, constants } from 'node:os';
import ipaddr from 'ipaddr.js';
import { PortscopeError } from '../../errors.js';
import { nativeAddon } from '../../inventory/linux/native.js';
import { outcomeOfErrno, type ProbeOutcome, type StartProbe } from './outcome.js';

/** The connect loop of the native addon (native/scan.c); see there for the record layouts. */
interface ConnectLoopAddon {
  connectLoopOpen(onResults: (records: Uint32Array) => void): object;
  connectLoopSubmit(handle: object, probes: Buffer): void;
  connectLoopCancel(handle: object, ids: Uint32Array): void;
  connectLoopRef(handle: object, keepAlive: boolean): void;
  connectLoopClose(handle: object): void;
}

/** Bytes per probe record: u32 id, u32 timeoutUs, u16 port, u8 family, u8 0, 16 address bytes. */
const PROBE_SIZE = 28;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const CODE_OPEN = 0;
const CODE_TIMEOUT = -1;
const CODE_SELF = -2;
/** Probes per thread below which a batch is not split (see flush in openNativeConnect). */
const SPLIT_MIN = 32;

let errnoNames: Map<number, string> | undefined;
function errnoName(errno: number): string {
  errnoNames ??= new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));
  return errnoNames.get(errno) ?? 'EIO';
}

/** The address as the 16 bytes the loop reads (IPv4 in the first 4). */
function addressBytes(address: string): Buffer {
  const bytes = Buffer.alloc(16);
  Buffer.from(ipaddr.parse(address).toByteArray()).copy(bytes);
  return bytes;
}

/** The TCP connect probe of the native loop, and how to end it. */
export interface NativeConnect {
  /**
   * A TCP connect probe with its own time-out (`timesOut`): open, closed, filtered as {@link tcpConnectProbe}.
   * After `timeout` its socket stays open, and a late answer is reported too, until the probe is cancelled.
   */
  readonly probe: StartProbe;
  /** Probes submitted and not yet reported, for tests and progress. */
  readonly pending: () => number;
  /** Closes every probe socket still open and stops the loop's threads; idempotent. */
  close(): void;
}

/** Why the native loop cannot be used here, or undefined when it can. */
export function nativeConnectUnavailable(): string | undefined {
  const addon = nativeAddon() as Partial<ConnectLoopAddon> | undefined;
  if (addon === undefined) return 'the native addon is not built';
  if (typeof addon.connectLoopOpen !== 'function') return 'the native addon predates the connect loop';
  return undefined;
}

/**
 * The loop's threads by default: 2 where there are 2 cores or more, else 1. On loopback (and on a fast
 * LAN) the kernel does a probe's whole handshake inside its connect() call, so one thread's system calls
 * were what a scan waited on: `scan 127.0.0.1 -p 1-10000` 197 -> 171 ms on 2 cores (Node 24; docs/performance.md).
 */
export function defaultLanes(): number {
  return availableParallelism() >= 2 ? 2 : 1;
}

/**
 * Starts the native connect loop (native/scan.c: non-blocking connect() and epoll) on `lanes` threads
 * of its own (1-16; default {@link defaultLanes}), each with its own epoll set, probe table and
 * spare sockets: the probes started in one turn of the event loop go to the threads in one batch (at the next
 * microtask), split into contiguous runs, one per thread (the probes left over by an uneven split go to the threads in turn;
 * a batch of fewer than 32 probes per thread goes whole to one thread, the threads in turn, in the engine's order);
 * the threads report answers in batches, each probe once, with its round trip measured
 * from its connect() call. The engine keeps every decision; this only moves the system calls and
 * spares a `net.Socket` and an Error per probe. Only IP address literals without a zone index.
 * @throws Error when a thread cannot start (EMFILE, EAGAIN; the threads started are stopped); callers check
 *   {@link nativeConnectUnavailable} first; PortscopeError `INVALID_ARGUMENT` for `lanes` out of range.
 */
export function openNativeConnect(lanes = defaultLanes()): NativeConnect {
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 16)
    throw new PortscopeError('INVALID_ARGUMENT', `Expected lanes to be an integer 1-16, got \`${String(lanes)}\``);
  const addon = nativeAddon() as unknown as ConnectLoopAddon;
  const waiting = new Map<number, (outcome: ProbeOutcome) => void>();
  const addresses = new Map<string, Buffer>();
  let nextId = 1;
  // The batch as bytes and as 32-bit words (PROBE_SIZE is a multiple of 4): words are written without the
  // range checks of Buffer.writeUInt32LE, in host byte order, the order the loop reads.
  let batch = Buffer.allocUnsafeSlow(PROBE_SIZE * 512);
  let words = new Uint32Array(batch.buffer, batch.byteOffset, batch.length / 4);
  let batched = 0;
  // The thread that takes the extra probe of the next uneven split.
  let turn = 0;
  let cancelled: number[] = [];
  let closed = false;
  let alive = false;
  // The thread keeps the process alive only while probes are out, as sockets of the JavaScript path do.
  const keepAlive = (on: boolean) => {
    if (on === alive || closed) return;
    alive = on;
    for (const handle of handles) addon.connectLoopRef(handle, on);
  };

  const onResults = (records: Uint32Array) => {
    const codes = new Int32Array(records.buffer, records.byteOffset, records.length);
    for (let i = 0; i + 2 < records.length; i += 3) {
      const id = records[i] ?? 0;
      const done = waiting.get(id);
      if (done === undefined) continue; // cancelled after the thread answered
      const code = codes[i + 1] ?? 0;
      // A probe that timed out keeps its socket (and its place here) for a late answer, until cancelled.
      if (code !== CODE_TIMEOUT) waiting.delete(id);
      const rttMs = (records[i + 2] ?? 0) / 1000;
      if (code === CODE_OPEN) done({ type: 'answer', state: 'open', reason: 'syn-ack', rttMs });
      else if (code === CODE_TIMEOUT) done({ type: 'timeout' });
      else if (code === CODE_SELF) done({ type: 'self-connect' });
      else done(outcomeOfErrno(errnoName(code), rttMs, 'tcp'));
    }
    if (waiting.size === 0) keepAlive(false);
  };
  const handles: object[] = [];
  try {
    while (handles.length < lanes) handles.push(addon.connectLoopOpen(onResults));
  } catch (error) {
    for (const handle of handles) addon.connectLoopClose(handle);
    throw error;
  }

  // Submits before cancels: a probe cancelled in the turn it was started must reach its thread first, or a thread
  // that woke between the two calls skipped the cancel (it names no probe it holds) and then started the probe,
  // whose socket stayed open until close() (with 2 threads, 30-51 of 5,000 such probes).
  const flush = () => {
    if (closed) return;
    if (batched > 0) {
      // A small batch goes whole to one thread (each in turn), its probes sent in the engine's order, as on one
      // thread: discovery's two probes of a host, split, raced each other, and which answer came last (the
      // host's reason) changed from run to run.
      const parts = batched < SPLIT_MIN * lanes ? 1 : lanes;
      const share = Math.floor(batched / parts);
      let extra = batched % parts;
      let at = 0;
      for (let k = 0; k < parts; k++) {
        const lane = (turn + k) % lanes;
        const count = share + (extra > 0 ? 1 : 0);
        if (extra > 0) extra--;
        if (count > 0) addon.connectLoopSubmit(handles[lane] as object, batch.subarray(at, at + count * PROBE_SIZE));
        at += count * PROBE_SIZE;
      }
      turn = (turn + (parts === 1 ? 1 : batched % lanes)) % lanes;
      batched = 0;
    }
    if (cancelled.length > 0) {
      // A thread skips the ids it does not hold.
      const ids = Uint32Array.from(cancelled);
      for (const handle of handles) addon.connectLoopCancel(handle, ids);
      cancelled = [];
    }
  };
  const schedule = () => {
    if (batched === 1 || cancelled.length === 1) queueMicrotask(flush);
  };

  const probe: StartProbe = Object.assign(
    (address: string, family: 4 | 6, port: number, done: (outcome: ProbeOutcome) => void, timeoutMs: number) => {
      const id = nextId;
      nextId = nextId >= 0xffffffff ? 1 : nextId + 1;
      if (closed) {
        queueMicrotask(() => {
          done({ type: 'pressure', code: 'EBADF' });
        });
        return () => undefined;
      }
      if ((batched + 1) * PROBE_SIZE > batch.length) {
        const bigger = Buffer.allocUnsafeSlow(batch.length * 2); // unpooled: its words start at offset 0
        batch.copy(bigger, 0, 0, batched * PROBE_SIZE);
        batch = bigger;
        words = new Uint32Array(batch.buffer, batch.byteOffset, batch.length / 4);
      }
      let bytes = addresses.get(address);
      if (bytes === undefined) {
        bytes = addressBytes(address);
        addresses.set(address, bytes);
      }
      const at = batched * PROBE_SIZE;
      const word = at / 4;
      words[word] = id;
      words[word + 1] = Math.min(0xffffffff, Math.max(1, Math.round(timeoutMs * 1000)));
      // u16 port, u8 family, u8 0 (bytes 8-11): one word in host byte order.
      words[word + 2] = LITTLE_ENDIAN ? port | (family << 16) : ((port << 16) | (family << 8)) >>> 0;
      batch.set(bytes, at + 12); // TypedArray.set: Buffer.copy validates its arguments on every probe
      batched++;
      waiting.set(id, done);
      keepAlive(true);
      schedule();
      return () => {
        if (waiting.delete(id)) {
          if (waiting.size === 0) keepAlive(false);
          cancelled.push(id);
          schedule();
        }
      };
    },
    { timesOut: true },
  );

  return {
    probe,
    pending: () => waiting.size,
    close: () => {
      if (closed) return;
      closed = true;
      waiting.clear();
      for (const handle of handles) addon.connectLoopClose(handle);
    },
  };
}
