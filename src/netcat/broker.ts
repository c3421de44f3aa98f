import type { Duplex } from 'node:stream';
import type { NetcatConnection } from './connect.js';
import { endpointText } from './endpoint.js';

/** Options of {@link createBroker}. */
export interface BrokerOptions {
  /** Chat: prefix each line with its sender (`<user3> `) and announce arrivals and departures. @default false */
  readonly chat?: boolean;
  /**
   * The most bytes waiting to be written to one client; a client that lets more pile up (it does
   * not read) is disconnected, so one slow client cannot grow memory. @default 1048576 (1 MiB)
   */
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
 * cannot be applied to one reader without stalling all, so each client has a cap on bytes waiting
 * for it (`maxPendingBytes`); past it, that client is dropped.
 */
export function createBroker(options: BrokerOptions = {}): Broker {
  const cap = options.maxPendingBytes ?? 1_048_576;
  const clients = new Map<Duplex, { name: string; partial: string }>();
  let counter = 0;
  const send = (from: Duplex | null, data: Buffer | string) => {
    for (const [stream, client] of clients) {
      if (stream === from || stream.destroyed) continue;
      stream.write(data);
      if (stream.writableLength > cap) {
        options.onDropped?.(client.name, stream.writableLength);
        stream.destroy();
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
      const client = { name, partial: '' };
      clients.set(stream, client);
      if (options.chat === true)
        send(stream, `<announce> ${endpointText(connection.peer)} is connected as <${name}>.\n`);
      stream.on('data', (chunk: Buffer) => {
        if (options.chat !== true) {
          send(stream, chunk);
          return;
        }
        // Chat sends whole lines, each with its sender; a line still being typed waits.
        const text = client.partial + chunk.toString('utf8');
        const lines = text.split('\n');
        client.partial = lines.pop() ?? '';
        if (client.partial.length > cap) client.partial = '';
        for (const line of lines) send(stream, `<${name}> ${line}\n`);
      });
      stream.on('error', () => stream.destroy());
      stream.on('end', () => stream.end());
      stream.once('close', () => {
        clients.delete(stream);
        if (options.chat === true) send(null, `<announce> <${name}> is disconnected.\n`);
      });
    },
  };
}
