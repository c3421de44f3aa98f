import { PortscopeError, errnoCode } from '../errors.js';

// ECONNRESET is not here: a reset is IO_ERROR whether it comes before the connect callback or just
// after (a listener resetting at --max-conns), so that the exit code does not depend on timing.
const REFUSED_LIKE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EACCES']);

/**
 * The PortscopeError for a failed connect to `what`: `NOT_FOUND` for a name that does not resolve
 * or a unix path that does not exist, `CONNECTION_FAILED` for refused or unreachable, `IO_ERROR`
 * otherwise (a reset included, as in the relay). An AggregateError (Node tries every address of a name) is unwrapped to its first error.
 */
export function connectError(error: unknown, what: string): PortscopeError {
  if (error instanceof PortscopeError) return error;
  const first = error instanceof AggregateError && error.errors.length > 0 ? (error.errors[0] as unknown) : error;
  const code = errnoCode(first) ?? 'EIO';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new PortscopeError('NOT_FOUND', `Cannot resolve the host of \`${what}\` (${code})`, { cause: error });
  }
  if (code === 'ENOENT') {
    return new PortscopeError('NOT_FOUND', `No unix socket at \`${what}\` (ENOENT)`, { cause: error });
  }
  if (code === 'EADDRINUSE') {
    return new PortscopeError('PORT_IN_USE', `The source address for \`${what}\` is in use (EADDRINUSE)`, {
      cause: error,
    });
  }
  const words =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ECONNRESET'
        ? 'connection reset'
        : code === 'EADDRNOTAVAIL'
          ? 'the source address is not on this machine'
          : code;
  return new PortscopeError(
    REFUSED_LIKE.has(code) ? 'CONNECTION_FAILED' : 'IO_ERROR',
    `Cannot connect to \`${what}\`: ${words}${words === code ? '' : ` (${code})`}`,
    { cause: error },
  );
}
