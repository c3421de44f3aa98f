import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PortscopeError, errnoCode } from '../errors.js';
import { checkFamily, type NetcatProtocol } from './endpoint.js';

/** Where a listener binds: the address in the family asked for, and bind errors as one line. */

/**
 * The address to bind: 127.0.0.1 or ::1 by `family` when none is given; a literal checked against
 * `family`; a name resolved in `family` (Node would take its first address, whatever its family).
 */
export async function hostInFamily(host: string | undefined, family: 4 | 6 | undefined): Promise<string> {
  if (host === undefined) return family === 6 ? '::1' : '127.0.0.1';
  checkFamily(host, family);
  if (family === undefined || isIP(host) !== 0) return host;
  try {
    return (await lookup(host, { family })).address;
  } catch (error) {
    throw new PortscopeError(
      'NOT_FOUND',
      `Cannot resolve \`${host}\` to an IPv${String(family)} address (${errnoCode(error) ?? 'error'})`,
      { cause: error },
    );
  }
}

/** A bind failure as one line: the address and the cause. */
export function bindError(error: unknown, what: string, protocol: NetcatProtocol): PortscopeError {
  const code = errnoCode(error) ?? 'EIO';
  if (code === 'EADDRINUSE') {
    const hint = protocol === 'unix' ? ' (remove the file if no process uses it)' : ' (portscope who shows the holder)';
    return new PortscopeError('PORT_IN_USE', `Cannot listen on \`${what}\`: already in use${hint}`, { cause: error });
  }
  if (code === 'EACCES') {
    return new PortscopeError(
      'PERMISSION_DENIED',
      `Cannot listen on \`${what}\`: permission denied (a port below 1024 needs root or CAP_NET_BIND_SERVICE)`,
      { cause: error },
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new PortscopeError('INVALID_ARGUMENT', `Cannot listen on \`${what}\`: no interface has that address`, {
      cause: error,
    });
  }
  return new PortscopeError('IO_ERROR', `Cannot listen on \`${what}\`: ${code}`, { cause: error });
}
