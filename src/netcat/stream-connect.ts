import { Socket } from 'node:net';

/** Where {@link connectStream} connects: a unix path, or a TCP host and port with net.connect's options. */
export type StreamTarget =
  | { path: string }
  | {
      host: string;
      port: number;
      family?: number;
      autoSelectFamily?: boolean;
      localAddress?: string;
      localPort?: number;
    };

/** A connected net.Socket, or the connect error; destroyed when `signal` aborts first. */
export function connectStream(target: StreamTarget, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // Half-open: the peer's FIN must not end our sending (Node's default answers it with FIN at once).
    const socket = new Socket({ allowHalfOpen: true });
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    if ('path' in target) socket.connect({ path: target.path });
    else socket.connect(target);
  });
}
