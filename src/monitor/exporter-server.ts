import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PortscopeError, errnoCode } from '../errors.js';
import { basicAuthChecker } from './exporter-auth.js';
import { cachedCollector } from './exporter-cache.js';
import { loadWebConfig } from './exporter-web-config.js';
import { METRICS_CONTENT_TYPE } from './metrics-render.js';
import type { CollectMetricsOptions } from './metrics-collect.js';

/**
 * The exporter's default port, 9096: the 9100-9999 range of Prometheus's "Default port allocations"
 * (github.com/prometheus/prometheus/wiki/Default-port-allocations) is fully allocated, so portscope takes a
 * port below it that no Prometheus component uses (9090 server, 9091 pushgateway, 9093-9094 alertmanager)
 * and IANA has not assigned. See docs/exporter.md.
 */
export const DEFAULT_EXPORTER_PORT = 9096;

/** Options of {@link startExporter}. */
export interface ExporterOptions extends CollectMetricsOptions {
  /** Address to listen on (an IP address or a host name). @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one (see the handle's `port`). @default DEFAULT_EXPORTER_PORT (9096) */
  readonly port?: number;
  /** A scrape within this many milliseconds of the last collection gets its result. @default 5000 */
  readonly minIntervalMs?: number;
  /** exporter-toolkit's web config file (TLS, basic auth); see {@link loadWebConfig}. @default none */
  readonly webConfigFile?: string;
  /** Called once with the error of each failed collection (published as `portscope_up 0`). */
  readonly onCollectError?: (error: unknown) => void;
}

/** A running exporter. */
export interface ExporterHandle {
  /** The address and port it listens on (the port chosen when 0 was asked). */
  readonly host: string;
  readonly port: number;
  /** `http://HOST:PORT/metrics`, or https with TLS. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

function check(options: ExporterOptions): { host: string; port: number; minIntervalMs: number } {
  const { host = '127.0.0.1', port = DEFAULT_EXPORTER_PORT, minIntervalMs = 5000 } = options;
  if (typeof host !== 'string' || host === '') {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected \`host\` to be an address, got \`${JSON.stringify(host)}\``);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected a TCP port between 0 and 65535, got \`${String(port)}\``);
  }
  if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`minIntervalMs\` to be a number of milliseconds >= 0, got \`${String(minIntervalMs)}\``,
    );
  }
  return { host, port, minIntervalMs };
}

/**
 * Serves `/metrics` (Prometheus text format, collected on scrape, at most once per `minIntervalMs`) over
 * HTTP, or HTTPS and basic auth as `webConfigFile` says. Other paths answer 404; methods other than GET
 * and HEAD 405; a missing or wrong password 401 with `WWW-Authenticate: Basic`.
 * @throws PortscopeError `INVALID_ARGUMENT` for a bad option or web config file, `PORT_IN_USE` when the
 *   port is taken, `PERMISSION_DENIED` for a privileged port without the right, `IO_ERROR` otherwise.
 */
export async function startExporter(options: ExporterOptions = {}): Promise<ExporterHandle> {
  const { host, port, minIntervalMs } = check(options);
  const web = options.webConfigFile === undefined ? undefined : loadWebConfig(options.webConfigFile);
  const collect = cachedCollector(
    {
      netns: options.netns ?? 'all',
      backend: options.backend ?? 'auto',
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    },
    minIntervalMs,
    options.onCollectError,
  );
  const authorized = web === undefined || web.users.size === 0 ? undefined : basicAuthChecker(web.users);
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    serve(request, response, collect, authorized).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : undefined);
    });
  };
  const tls = web?.tls;
  const server: Server = tls === undefined ? createServer(handle) : createTlsServer({ ...tls }, handle);
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]: unknown[]) => Promise.reject(error as Error)),
    ]);
  } catch (error) {
    throw listenError(error, host, port);
  }
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port: bound,
    url: `${tls === undefined ? 'http' : 'https'}://${shown}:${String(bound)}/metrics`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => {
          done();
        });
        server.closeAllConnections();
      }),
  };
}

function listenError(error: unknown, host: string, port: number): PortscopeError {
  const errno = errnoCode(error);
  const where = `${host}:${String(port)}`;
  if (errno === 'EADDRINUSE')
    return new PortscopeError('PORT_IN_USE', `Cannot listen on ${where}: the port is in use`, { cause: error });
  if (errno === 'EACCES')
    return new PortscopeError('PERMISSION_DENIED', `Cannot listen on ${where}: permission denied (EACCES)`, {
      cause: error,
    });
  return new PortscopeError('IO_ERROR', `Cannot listen on ${where}: ${errno ?? String(error)}`, { cause: error });
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  collect: ReturnType<typeof cachedCollector>,
  authorized: ((header: string | undefined) => Promise<boolean>) | undefined,
): Promise<void> {
  if (authorized !== undefined && !(await authorized(request.headers.authorization))) {
    response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="portscope"', 'Content-Type': 'text/plain' });
    response.end('Unauthorized\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
    response.end('Method Not Allowed\n');
    return;
  }
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/') {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(
      '<html><head><title>portscope exporter</title></head><body><a href="/metrics">Metrics</a></body></html>\n',
    );
    return;
  }
  if (path !== '/metrics') {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('Not Found\n');
    return;
  }
  const { text } = await collect();
  response.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
  response.end(request.method === 'HEAD' ? undefined : text);
}
