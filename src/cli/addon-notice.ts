import { hasNativeAddon } from '../inventory/native-status.js';
import { backendOf, type CliIo } from './io.js';

/** The verbs that read the socket inventory ('' is `portscope` alone); scan and nc never do, info for a port. */
const READS_SOCKETS = new Set(['', 'ls', 'stats', 'who', 'free', 'kill', 'wait', 'doctor']);

/**
 * Says once, on stderr, that the native addon is missing when a command is about to read sockets with
 * the `auto` backend: otherwise the only trace is `sources: ["procfs"]` in `--json`, and a user never
 * learns why Send-Q of listeners is 0 or why it is slower than it should be.
 */
export function noticeMissingAddon(args: readonly string[], io: CliIo): void {
  const verb = args[0] === undefined || args[0].startsWith('-') ? '' : args[0];
  const helpOnly = args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version');
  const reads = READS_SOCKETS.has(verb) || (verb === 'info' && /^[-+]?:?\d+$/.test(args[1] ?? ''));
  if (!reads || helpOnly || backendOf(io) !== 'auto' || hasNativeAddon()) return;
  io.stderr.write(
    'portscope: the native addon is not built, so sockets are read from /proc (slower; no listen backlog or IPV6_V6ONLY): run `npm rebuild portscope` with python3, make and a C compiler installed\n',
  );
}
