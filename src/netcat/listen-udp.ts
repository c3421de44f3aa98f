import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { errnoCode } from '../errors.js';
import type { accessCheck } from './access.js';
import { bindError } from './bind-address.js';
import type { NetcatConnection } from './connect.js';
import { endpointText, type InetEndpoint } from './endpoint.js';
import type { ListenOptions, NetcatListener } from './listen.js';
import { serveUdpSessions, type UdpPeerStream } from './udp-sessions.js';
import { UdpStream } from './udp-stream.js';

/** Binds a UDP socket to `host`:`port`. @throws PortscopeError from {@link bindError}. */
async function bindUdp(host: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(bindError(error, endpointText({ host, port }), 'udp'));
    });
    socket.bind({ address: host, port }, resolve);
  });
  socket.removeAllListeners('error');
  return socket;
}

/**
 * A UDP "listener" on each of `hosts` (one port: the first's when 0 was asked). A second host
 * that the machine lacks (no IPv6) is left out. Without `keepOpen`, the first datagram's sender
 * (allowed by `check`) becomes the one peer, its socket is connected to it, and the other sockets
 * close. With `keepOpen`, by `udpKeepOpen`: `sessions`, each sender is a connection of its own
 * (at most `maxConns` at once); `unanswered`, the sockets stay unconnected and each is one
 * connection, made at its first accepted datagram without a `connection` event, that takes every
 * accepted sender's datagrams and drops what is written (nc.openbsd's `-k -u`).
 * @throws PortscopeError from {@link bindError} when a bind fails.
 */
export async function listenUdp(
  hosts: readonly string[],
  port: number,
  options: ListenOptions & { readonly maxConns: number },
  check: ReturnType<typeof accessCheck>,
  onConnection: (connection: NetcatConnection) => void,
): Promise<NetcatListener> {
  const sockets: Socket[] = [];
  for (const host of hosts) {
    const first = sockets[0]?.address().port;
    try {
      sockets.push(await bindUdp(host, first ?? port));
    } catch (error) {
      const code = errnoCode((error as Error).cause);
      if (sockets.length > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) break;
      for (const socket of sockets) socket.close();
      throw error;
    }
  }
  const locals: InetEndpoint[] = sockets.map((s) => ({ host: s.address().address, port: s.address().port }));
  if (options.keepOpen === true) return keepOpenUdp(sockets, locals, options, check, onConnection);
  let peer: RemoteInfo | undefined;
  const streams: UdpStream[] = sockets.map((socket, i) => {
    const stream: UdpStream = new UdpStream(socket, (sender) => {
      if (peer !== undefined) return sender.address === peer.address && sender.port === peer.port;
      const verdict = check === null ? 'accepted' : check(sender.address);
      const from = { host: sender.address, port: sender.port };
      if (verdict !== 'accepted') {
        options.onEvent?.({ type: 'refused', peer: from, reason: verdict });
        return false;
      }
      peer = sender;
      for (const other of streams) if (other !== stream) other.destroy();
      socket.connect(sender.port, sender.address, () => {
        options.onEvent?.({ type: 'connection', peer: from });
        onConnection({ stream, protocol: 'udp', local: locals[i] ?? from, peer: from });
      });
      return true;
    });
    return stream;
  });
  const closed = Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.once('close', resolve)))).then(
    () => undefined,
  );
  const close = async () => {
    for (const stream of streams) stream.destroy();
    await closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  const [local = { host: '', port }] = locals;
  return { local, locals, closed, close };
}

/** {@link listenUdp} with `keepOpen`: sessions per sender, or nc.openbsd's unanswered sockets. */
function keepOpenUdp(
  sockets: readonly Socket[],
  locals: readonly InetEndpoint[],
  options: ListenOptions & { readonly maxConns: number },
  check: ReturnType<typeof accessCheck>,
  onConnection: (connection: NetcatConnection) => void,
): NetcatListener {
  const streams: (UdpStream | UdpPeerStream)[] = [];
  const sessions: Map<string, UdpPeerStream>[] = [];
  for (const [i, socket] of sockets.entries()) {
    const local = locals[i] ?? { host: '', port: 0 };
    if (options.udpKeepOpen !== 'unanswered') {
      sessions.push(serveUdpSessions(socket, local, options.maxConns, options, check, onConnection));
      continue;
    }
    let started = false;
    const stream: UdpStream = new UdpStream(
      socket,
      (sender) => {
        const verdict = check === null ? 'accepted' : check(sender.address);
        if (verdict !== 'accepted') {
          options.onEvent?.({ type: 'refused', peer: { host: sender.address, port: sender.port }, reason: verdict });
          return false;
        }
        if (!started) {
          started = true;
          onConnection({ stream, protocol: 'udp', local, peer: { host: sender.address, port: sender.port } });
        }
        return true;
      },
      true,
    );
    streams.push(stream);
  }
  const closed = Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.once('close', resolve)))).then(
    () => undefined,
  );
  const close = async () => {
    for (const session of sessions) for (const stream of session.values()) stream.destroy();
    for (const stream of streams) stream.destroy(); // closes its socket
    if (streams.length === 0) for (const socket of sockets) socket.close();
    await closed;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  const [local = { host: '', port: 0 }] = locals;
  return { local, locals, closed, close };
}
