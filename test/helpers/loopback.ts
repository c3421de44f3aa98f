import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type ServerOpts, type Socket } from 'node:net';

const started: Server[] = [];

/**
 * A TCP server on 127.0.0.1, port 0, running `onSocket` for each client (default: ignore errors and
 * read nothing); its port. Close every one started with {@link closeLoopbackServers}.
 */
export async function serveLoopback(
  onSocket: (socket: Socket) => void = (socket) => {
    socket.on('error', () => undefined);
  },
  options: ServerOpts = {},
): Promise<{ server: Server; port: number }> {
  const server = createServer(options, onSocket);
  started.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Closes the servers {@link serveLoopback} started (for afterEach/afterAll). */
export function closeLoopbackServers(): void {
  for (const server of started.splice(0)) server.close();
}
