import type { Socket } from '../model/index.js';
import { listSockets } from './list-sockets.js';
import type { ListSocketsOptions } from './options.js';

/**
 * The sockets of this machine one at a time, for hosts with very many of them: a consumer that writes
 * each socket out (as `portscope ls --format ndjson` does) and keeps none lets each be collected once
 * it has been handed over, instead of holding the listing until its last socket is handled.
 *
 * The sockets are those {@link listSockets} returns for the same `options` (same sources, filter,
 * owners, order: table order), taken in one listing so that they describe one moment: the first
 * socket comes once the kernel's tables (and, with `owners`, the fd walk) have been read. The
 * snapshot's `namespaces` and `warnings` (e.g. `PERMISSION_DENIED` for owners that could not be
 * read) are not reported: use listSockets where they matter.
 *
 * @example for await (const socket of iterateSockets({ protocols: ['tcp'], filter: 'state established' })) {
 *   process.stdout.write(`${JSON.stringify(socket)}\n`);
 * }
 * @returns an AsyncIterable of {@link Socket} (schema in docs/schema.md); iterating it again lists again.
 * @throws PortscopeError as listSockets does, when iteration starts: `INVALID_ARGUMENT`, `INVALID_FILTER`,
 *   `NOT_FOUND` (an unknown `netns`), `UNSUPPORTED_PLATFORM`, `IO_ERROR`.
 */
export function iterateSockets(options?: ListSocketsOptions): AsyncIterable<Socket> {
  return {
    async *[Symbol.asyncIterator]() {
      const { sockets } = await listSockets(options);
      for (let i = 0; i < sockets.length; i++) {
        const socket = sockets[i] as Socket;
        // Drop the listing's reference: the consumer's is then the only one.
        (sockets as (Socket | undefined)[])[i] = undefined;
        yield socket;
      }
    },
  };
}
