import type { Duplex, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { NetcatConnection } from './connect.js';
import { crlfConverter } from './crlf.js';
import { endpointText, isUnixEndpoint } from './endpoint.js';

/** Options of {@link createBroker}. */
export interface BrokerOptions {
  /** Chat: prefix each line with its sender (`<user3> `) and announce arrivals and departures. @default false */
  readonly chat?: boolean;
  /**
   * How long a client may go without reading what is waiting for it while the others wait, in ms;
   * then it is disconnected. @default 2000
   */
  readonly stallTimeoutMs?: number;
  /** The most bytes waiting for one client; past it, the client is disconnected at once. @default 1048576 (1 MiB) */
  readonly maxPendingBytes?: number;
  /** A client was dropped for not reading. */
  readonly onDropped?: (peer: string, pendingBytes: number) => void;
  /**
   * The listener's own input (the CLI's stdin), sent to every client as ncat's broker does (with
   * `chat`, as `<user0>`). It is read only while at least one client is connected, so that what it
   * holds while nobody is there waits for the next client; its end is not passed on (clients stay
   * connected). @default none
   */
  readonly input?: Readable;
  /** Bare LF in `input` is sent as CRLF (`--crlf`). @default false */
  readonly crlf?: boolean;
  /**
   * `--send-only`, as ncat's broker: what clients send is read and dropped; only `input` (and, with `chat`,
   * the announcements) reaches them. @default false
   */
  readonly sendOnly?: boolean;
  /**
   * `--recv-only`, as ncat's broker: nothing is sent to any client (not `input`, which is not read; not what
   * the others send; not the announcements). @default false
   */
  readonly recvOnly?: boolean;
}

/** A relay among connections: what one sends, every other receives. */
export interface Broker {
  /** Adds a connection; it leaves when it closes. */
  add(connection: NetcatConnection): void;
  /** How many clients are connected. */
  readonly size: number;
}

/**
 * `--broker` and `--chat`: every byte a client sends goes to all the other clients. `--chat` announces, as
 * ncat does, to every client (the new one too): `<announce> ADDRESS is connected as <userN>.` and
 * `<announce> already connected: ADDRESS as <userM>, ...` (or `nobody`), then each departure. Back-pressure
 * is kept: while any client has more waiting than its stream's high-water mark, no client is read.
 * A client that does not drain within `stallTimeoutMs` (it does not read), or lets more than
 * `maxPendingBytes` pile up, is disconnected, and the others go on: memory stays bounded and one
 * slow client cannot stall the rest for long.
 */
export function createBroker(options: BrokerOptions = {}): Broker {
  const cap = options.maxPendingBytes ?? 1_048_576;
  const stallMs = options.stallTimeoutMs ?? 2000;
  const clients = new Map<Duplex, { name: string; address: string; partial: string; decoder: StringDecoder }>();
  const waiting = new Map<Duplex, NodeJS.Timeout>();
  let counter = 0;
  // Set once `send` exists: what it delivers goes through `send`, and `send` pauses it.
  let input: ReturnType<typeof brokerInput> | undefined;
  const resumeIfClear = () => {
    if (waiting.size > 0) return;
    for (const stream of clients.keys()) stream.resume();
    if (clients.size > 0) input?.resume();
  };
  const unwait = (stream: Duplex) => {
    clearTimeout(waiting.get(stream));
    waiting.delete(stream);
    resumeIfClear();
  };
  const drop = (stream: Duplex) => {
    options.onDropped?.(clients.get(stream)?.name ?? '', stream.writableLength);
    stream.destroy();
    unwait(stream);
  };
  const send = (from: Duplex | null, data: Buffer | string) => {
    if (options.recvOnly === true) return;
    for (const stream of clients.keys()) {
      if (stream === from || stream.destroyed) continue;
      stream.write(data);
      if (stream.writableLength > cap) {
        drop(stream);
      } else if (stream.writableNeedDrain && !waiting.has(stream)) {
        for (const s of clients.keys()) s.pause();
        input?.pause();
        waiting.set(
          stream,
          setTimeout(() => {
            drop(stream);
          }, stallMs),
        );
        stream.once('drain', () => {
          unwait(stream);
        });
      }
    }
  };
  if (options.input !== undefined && options.recvOnly !== true)
    input = brokerInput(options.input, options, (data) => {
      send(null, data);
    });
  return {
    get size() {
      return clients.size;
    },
    add(connection) {
      const { stream } = connection;
      const name = options.chat === true ? `user${String(++counter)}` : endpointText(connection.peer);
      const address = isUnixEndpoint(connection.peer) ? connection.peer.path : connection.peer.host;
      const client = { name, address, partial: '', decoder: new StringDecoder('utf8') };
      const already = [...clients.values()].map((c) => `${c.address} as <${c.name}>`).join(', ');
      clients.set(stream, client);
      if (waiting.size > 0) stream.pause();
      else input?.resume();
      if (options.chat === true) {
        const joined = `<announce> ${address} is connected as <${name}>.\n`;
        send(null, `${joined}<announce> already connected: ${already === '' ? 'nobody' : already}.\n`);
      }
      stream.on('data', (chunk: Buffer) => {
        if (options.sendOnly === true) return;
        if (options.chat !== true) {
          send(stream, chunk);
          return;
        }
        // Chat sends whole lines, each with its sender; a line still being typed waits, and so
        // does a character split between chunks.
        const text = client.partial + client.decoder.write(chunk);
        const lines = text.split('\n');
        client.partial = lines.pop() ?? '';
        if (client.partial.length > cap) client.partial = '';
        for (const line of lines) send(stream, `<${name}> ${line}\n`);
      });
      stream.on('error', () => stream.destroy());
      stream.on('end', () => stream.end());
      stream.once('close', () => {
        clients.delete(stream);
        if (clients.size === 0) input?.pause();
        unwait(stream);
        if (options.chat === true) send(null, `<announce> <${name}> is disconnected.\n`);
      });
    },
  };
}

/**
 * The broker's `input`: not read until the first `resume()`, then its chunks (CRLF
 * converted with `crlf`) or, with `chat`, its whole lines as `<user0> LINE` go to `deliver`. A
 * last line without LF is delivered at its end; an error stops reading it.
 */
function brokerInput(input: Readable, options: BrokerOptions, deliver: (data: Buffer | string) => void) {
  const cap = options.maxPendingBytes ?? 1_048_576;
  const convert = options.crlf === true ? crlfConverter() : (chunk: Buffer) => chunk;
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let started = false;
  let ended = false;
  const onData = (chunk: Buffer) => {
    const data = convert(chunk);
    if (options.chat !== true) {
      deliver(data);
      return;
    }
    const lines = (partial + decoder.write(data)).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > cap) partial = '';
    for (const line of lines) deliver(`<user0> ${line}\n`);
  };
  const onEnd = () => {
    ended = true;
    const rest = partial + decoder.end();
    if (options.chat === true && rest !== '') deliver(`<user0> ${rest}\n`);
  };
  return {
    resume() {
      if (ended) return;
      if (!started) {
        // Listening for data starts the flow: done at the first client, not before.
        started = true;
        input.on('data', onData);
        input.once('end', onEnd);
        input.once('error', () => {
          ended = true;
          input.off('data', onData);
        });
      }
      input.resume();
    },
    pause() {
      if (started && !ended) input.pause();
    },
  };
}
