import { createSocket, type RemoteInfo } from 'node:dgram';
import type { accessCheck } from './access.js';
import { bindError } from './bind-address.js';
import type { NetcatConnection } from './connect.js';
import { endpointText } from './endpoint.js';
import type { ListenOptions, NetcatListener } from './listen.js';
import { UdpStream } from './udp-stream.js';

/**
 * A UDP "listener": the first datagram's sender (allowed by `check`) becomes the one peer, and the
 * socket is connected to it.
 * @throws PortscopeError from {@link bindError} when the bind fails.
 */
export async function listenUdp(
  where: { host?: string; port: number },
  options: ListenOptions,
  check: ReturnType<typeof accessCheck>,
  onConnection: (connection: NetcatConnection) => void,
): Promise<NetcatListener> {
  const host = where.host ?? (options.family === 6 ? '::1' : '127.0.0.1');
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => {
      reject(bindError(error, endpointText({ host, port: where.port }), 'udp'));
    });
    socket.bind({ address: host, port: where.port }, resolve);
  });
  socket.removeAllListeners('error');
  const bound = socket.address();
  let peer: RemoteInfo | undefined;
  const stream = new UdpStream(socket, (sender) => {
    if (peer !== undefined) return sender.address === peer.address && sender.port === peer.port;
    const verdict = check === null ? 'accepted' : check(sender.address);
    const from = { host: sender.address, port: sender.port };
    if (verdict !== 'accepted') {
      options.onEvent?.({ type: 'refused', peer: from, reason: verdict });
      return false;
    }
    peer = sender;
    socket.connect(sender.port, sender.address, () => {
      options.onEvent?.({ type: 'connection', peer: from });
      onConnection({ stream, protocol: 'udp', local: { host: bound.address, port: bound.port }, peer: from });
    });
    return true;
  });
  const closed = new Promise<void>((resolve) => socket.once('close', resolve));
  const close = async () => {
    stream.destroy();
    await closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { local: { host: bound.address, port: bound.port }, closed, close };
}
