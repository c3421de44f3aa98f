/**
 * The stable error codes of portscope. Callers branch on `err.code`, never on message text.
 *
 * - `INVALID_ARGUMENT`: an option or argument has the wrong type or value.
 * - `INVALID_FILTER`: a filter expression does not parse; `column` says where.
 * - `PERMISSION_DENIED`: the operation needs privileges the process does not have.
 * - `UNSUPPORTED_PLATFORM`: no backend for the platform (`process.platform`, or `PORTSCOPE_PLATFORM`).
 * - `PORT_IN_USE`: a port is held by another socket.
 * - `NOT_FOUND`: a named thing (namespace, process, port) does not exist.
 * - `TIMEOUT`: a bounded wait ran out.
 * - `ABORTED`: the caller's AbortSignal stopped the operation.
 * - `IO_ERROR`: the kernel interface could not be read, or a connection failed after it was made.
 * - `CONNECTION_FAILED`: a connection could not be made: refused, unreachable, or turned down by a
 *   proxy or a TLS check (`cause` holds the errno error or the TLS error).
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_FILTER'
  | 'PERMISSION_DENIED'
  | 'UNSUPPORTED_PLATFORM'
  | 'PORT_IN_USE'
  | 'NOT_FOUND'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'IO_ERROR'
  | 'CONNECTION_FAILED';

/** Extra structured facts an error can carry. */
export interface PortscopeErrorDetails {
  /** What went wrong underneath (an errno error, a parse failure). */
  readonly cause?: unknown;
  /** For `INVALID_FILTER`: 1-based column of the offending token in the expression. */
  readonly column?: number;
}

/**
 * The only error type the library throws on purpose. `message` is one line that names the value
 * and what was expected, for example: ``Expected a TCP/UDP port between 0 and 65535, got `70000` ``.
 */
export class PortscopeError extends Error {
  override readonly name = 'PortscopeError';
  readonly code: ErrorCode;
  readonly column: number | undefined;

  constructor(code: ErrorCode, message: string, details: PortscopeErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.column = details.column;
  }
}

/** True when `error` is a {@link PortscopeError}, optionally with the given code. */
export function isPortscopeError(error: unknown, code?: ErrorCode): error is PortscopeError {
  return error instanceof PortscopeError && (code === undefined || error.code === code);
}

/** The errno code of a Node system error (`ENOENT`, `EACCES`...), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** At most about this many characters of a value are quoted in an error, escaped. */
const QUOTE_CHARS = 80;

/**
 * A short, printable quote of `text`: its first characters, about {@link QUOTE_CHARS} once escaped
 * (control and non-ASCII characters as `\x00`, `\u{2028}`), and `...` when cut. Keeps binary bytes and
 * long input out of error messages (and so out of the terminal).
 */
export function quotePrefix(text: string): string {
  let out = '';
  for (const c of text) {
    if (out.length >= QUOTE_CHARS) return `${out}...`;
    const code = c.codePointAt(0) ?? 0;
    out +=
      code >= 0x20 && code < 0x7f && c !== '`'
        ? c
        : code < 0x100
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : `\\u{${code.toString(16)}}`;
  }
  return out;
}
