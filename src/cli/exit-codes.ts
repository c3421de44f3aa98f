import { isPortscopeError } from '../errors.js';

/** Exit codes: 0 success, 1 negative answer, 2 bad usage or input, 3 runtime failure. */
export const EXIT = { ok: 0, negative: 1, usage: 2, failure: 3 } as const;

/** The exit code for an error that reached the CLI. */
export function exitCodeFor(error: unknown): number {
  if (!isPortscopeError(error)) return EXIT.failure;
  switch (error.code) {
    case 'INVALID_ARGUMENT':
    case 'INVALID_FILTER':
    case 'NOT_FOUND':
      return EXIT.usage;
    case 'TIMEOUT':
    case 'CONNECTION_FAILED':
      return EXIT.negative;
    default:
      return EXIT.failure;
  }
}
