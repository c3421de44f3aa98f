import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { errnoCode } from '../errors.js';
import type { AddressAttempt } from './connect-probe.js';

/**
 * One HTTP(S) HEAD request for `url`, sent to `address` (one address of the URL's host, so that every
 * address is tried as for a TCP target); `open` with the response `status` when any response comes back
 * (404 and 500 included: the server is up, as wait-on counts it), else `refused`, `timeout`, `aborted` or
 * `error` with the errno. The certificate is not checked: the question is whether the server answers, and
 * development servers often have self-signed ones; nothing but the request line and Host is sent.
 * At most `timeoutMs` milliseconds; never rejects.
 */
export function requestOnce(
  url: URL,
  address: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AddressAttempt> {
  const https = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (attempt: AddressAttempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(attempt);
    };
    const onAbort = () => {
      finish({ address, outcome: 'aborted' });
    };
    const options = {
      host: address,
      port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'HEAD',
      headers: { host: url.host },
      agent: false as const,
      ...(https ? { rejectUnauthorized: false, ...(isIP(hostname) === 0 ? { servername: hostname } : {}) } : {}),
    };
    const req: ClientRequest = (https ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => {
      res.resume();
      finish({ address, outcome: 'open', status: res.statusCode ?? 0 });
    });
    req.on('error', (error) => {
      const errno = errnoCode(error);
      finish(
        errno === 'ECONNREFUSED'
          ? { address, outcome: 'refused' }
          : { address, outcome: 'error', errno: errno ?? error.message },
      );
    });
    // Set after req exists: finish() destroys it; neither fires before this synchronous code ends.
    const timer = setTimeout(() => {
      finish({ address, outcome: 'timeout' });
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
