import { PortscopeError } from '../errors.js';
import { DEV_PORTS } from '../registry/dev-ports.js';
import { lookupService } from '../registry/lookup.js';
import { servicePorts } from '../registry/services.js';

/**
 * A port as people write it: a number (`3000`), with the colon of `host:port` (`:3000`), or a service
 * name (`http`, `postgresql`, `vite`), the way `ss` filters and nmap's `-p` take them. Names come from
 * this machine's /etc/services, then IANA (for `protocol`, else TCP first), then portscope's list of
 * development ports.
 * @param options `protocol` for names (default TCP, then any); `what` names the value in errors
 *   (default `a port`, e.g. `--port`); `within` quotes the larger text it came from.
 * @returns the port number, 1-65535.
 * @throws PortscopeError `INVALID_ARGUMENT` naming the text, with close service names when it is no name.
 */
export function parsePort(
  text: string,
  options: { protocol?: 'tcp' | 'udp'; what?: string; within?: string } = {},
): number {
  const what = options.what ?? 'a port';
  const where = options.within === undefined ? '' : ` in \`${options.within}\``;
  const trimmed = text.trim();
  const bare = trimmed.startsWith(':') ? trimmed.slice(1) : trimmed;
  if (/^\d+$/.test(bare)) {
    const port = Number(bare);
    if (port >= 1 && port <= 65535) return port;
    throw new PortscopeError('INVALID_ARGUMENT', `Expected ${what} 1-65535${where}, got \`${text}\``);
  }
  if (/^[a-z][\w.+-]*$/i.test(bare)) {
    const port = portOfName(bare, options.protocol);
    if (port !== undefined) return port;
    const { suggestions } = lookupService(bare);
    const hint = suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : '';
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected ${what} 1-65535 or a service name${where}, got \`${text}\`: no service has that name${hint}`,
    );
  }
  throw new PortscopeError('INVALID_ARGUMENT', `Expected ${what} 1-65535 or a service name${where}, got \`${text}\``);
}

function portOfName(name: string, protocol: 'tcp' | 'udp' | undefined): number | undefined {
  const known = servicePorts(name, protocol ?? 'tcp')[0] ?? servicePorts(name)[0];
  const port = known?.port ?? DEV_PORTS.find((d) => d.name === name.toLowerCase())?.port;
  return port !== undefined && port >= 1 ? port : undefined;
}

/** True when `name` is a service name {@link parsePort} knows (`http`, `vite`). */
export function isServiceName(name: string): boolean {
  return /^[a-z][\w.+-]*$/i.test(name) && portOfName(name, undefined) !== undefined;
}
