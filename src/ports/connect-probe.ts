import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import { errnoCode } from '../errors.js';

/**
 * How one connect attempt ended: `open` (accepted), `refused` (RST, or no unix socket at the path),
 * `timeout` (no answer in time), `aborted` (the signal fired), `error` (another errno, in `errno`).
 */
export type ConnectOutcome = 'open' | 'refused' | 'timeout' | 'aborted' | 'error';

/** The outcome of a connect to one address. */
export interface AddressAttempt {
  /** `127.0.0.1`, `::1`, or a unix socket path. */
  readonly address: string;
  readonly outcome: ConnectOutcome;
  /** For `error`: the errno (`EHOSTUNREACH`, `ENETUNREACH`, `EACCES`...). */
  readonly errno?: string;
  /** For an `http://` or `https://` target that answered: the response's status code. */
  readonly status?: number;
}

/**
 * The addresses to try for `host`: an IP literal as is; a name through the system resolver
 * (dns.lookup, every address); `localhost` and no host at all always include 127.0.0.1 and ::1.
 * A name that does not resolve (yet) gives an empty list.
 */
export async function addressesOf(host: string | undefined): Promise<string[]> {
  if (host === undefined) return ['127.0.0.1', '::1'];
  if (isIP(host) !== 0) return [host];
  const found = await lookup(host, { all: true, verbatim: true }).then(
    (list) => list.map((a) => a.address),
    () => [] as string[],
  );
  return [...new Set(host === 'localhost' ? [...found, '127.0.0.1', '::1'] : found)];
}

/**
 * One TCP connect to `address:port` (or to a unix socket `path`), closed as soon as it is
 * accepted; at most `timeoutMs` milliseconds. Never rejects.
 */
export function connectOnce(
  target: { readonly address: string; readonly port: number } | { readonly path: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AddressAttempt> {
  const address = 'path' in target ? target.path : target.address;
  return new Promise((resolve) => {
    const socket =
      'path' in target ? connect({ path: target.path }) : connect({ host: target.address, port: target.port });
    let settled = false;
    const finish = (outcome: ConnectOutcome, errno?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(errno === undefined ? { address, outcome } : { address, outcome, errno });
    };
    const onAbort = () => {
      finish('aborted');
    };
    // Decide the time-out in the check phase, after the poll phase has read a reply that already came:
    // a timer alone reported a refused loopback connect as `timeout` when little time was left.
    const timer = setTimeout(() => setImmediate(finish, 'timeout'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      finish('open');
    });
    socket.once('error', (error) => {
      const code = errnoCode(error) ?? 'error';
      // A unix path with nothing behind it (or no file) is as closed as a refused TCP port.
      if (code === 'ECONNREFUSED' || code === 'ENOENT') finish('refused');
      else finish('error', code);
    });
  });
}
