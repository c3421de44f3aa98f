import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { NetcatConnection } from './connect.js';
import { endpointText } from './endpoint.js';

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
}

/** A relay among connections: what one sends, every other receives. */
export interface Broker {
  /** Adds a connection; it leaves when it closes. */
  add(connection: NetcatConnection): void;
  /** How many clients are connected. */
  readonly size: number;
}

/**
 * `--broker` and `--chat`: every byte a client sends goes to all the other clients. Back-pressure
 * is kept: while any client has more waiting than its stream's high-water mark, no client is read.
 * A client that does not drain within `stallTimeoutMs` (it does not read), or lets more than
 * `maxPendingBytes` pile up, is disconnected, and the others go on: memory stays bounded and one
 * slow client cannot stall the rest for long.
 */
export function createBroker(options: BrokerOptions = {}): Broker {
  const cap = options.maxPendingBytes ?? 1_048_576;
  const stallMs = options.stallTimeoutMs ?? 2000;
  const clients = new Map<Duplex, { name: string; partial: string; decoder: StringDecoder }>();
  const waiting = new Map<Duplex, NodeJS.Timeout>();
  let counter = 0;
  const resumeIfClear = () => {
    if (waiting.size > 0) return;
    for (const stream of clients.keys()) stream.resume();
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
    for (const stream of clients.keys()) {
      if (stream === from || stream.destroyed) continue;
      stream.write(data);
      if (stream.writableLength > cap) {
        drop(stream);
      } else if (stream.writableNeedDrain && !waiting.has(stream)) {
        for (const s of clients.keys()) s.pause();
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
  return {
    get size() {
      return clients.size;
    },
    add(connection) {
      const { stream } = connection;
      const name = options.chat === true ? `user${String(++counter)}` : endpointText(connection.peer);
      const client = { name, partial: '', decoder: new StringDecoder('utf8') };
      clients.set(stream, client);
      if (waiting.size > 0) stream.pause();
      if (options.chat === true)
        send(stream, `<announce> ${endpointText(connection.peer)} is connected as <${name}>.\n`);
      stream.on('data', (chunk: Buffer) => {
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
        unwait(stream);
        if (options.chat === true) send(null, `<announce> <${name}> is disconnected.\n`);
      });
    },
  };
}
