import { PortscopeError } from '../errors.js';
import type { ScanTarget } from './resolve-targets.js';
import { nativeConnectUnavailable, openNativeConnect } from './probes/native-connect.js';
import type { StartProbe } from './probes/outcome.js';
import { tcpConnectProbe } from './probes/tcp-connect.js';

/**
 * Which TCP connect loop a scan uses: `native` (the addon's epoll loop on threads of its own),
 * `javascript` (one `net.Socket` per probe), or `auto` (native when the addon has it and can reach
 * every target, JavaScript otherwise).
 */
export type ConnectBackend = 'auto' | 'native' | 'javascript';

/** The connect loop a scan ran with, and why it is not the native one (reported in the summary). */
export interface ConnectInfo {
  readonly backend: 'native' | 'javascript';
  /** Why `auto` fell back to JavaScript: `the native addon is not built`, ... Absent when asked for or native. */
  readonly reason?: string;
}

/** The chosen loop: its TCP probe, and how to stop it (closes every probe socket still open). */
export interface ChosenConnect extends ConnectInfo {
  readonly probe: StartProbe;
  close(): void;
}

/**
 * Checks the `connectBackend` option.
 * @throws PortscopeError `INVALID_ARGUMENT` for another value.
 */
export function checkConnectBackend(value: unknown): asserts value is ConnectBackend | undefined {
  if (value !== undefined && value !== 'auto' && value !== 'native' && value !== 'javascript') {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected connectBackend to be 'auto', 'native' or 'javascript', got \`${typeof value === 'string' ? value : typeof value}\``,
    );
  }
}

/**
 * Why the native loop cannot scan `targets` here (no addon, or an IPv6 zone index it has no field
 * for), or undefined when it can.
 */
export function whyNotNative(targets: readonly ScanTarget[]): string | undefined {
  return (
    nativeConnectUnavailable() ??
    (targets.some((t) => t.address.includes('%')) ? 'a target has an IPv6 zone index' : undefined)
  );
}

/**
 * Opens the connect loop `requested` (default `auto`) for `targets`; a native loop on `lanes` threads (default
 * defaultLanes(): 2 with 2 cores or more; a port worker, one of several threads already, asks for 1).
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` when `native` is asked for and cannot be used,
 *   naming why; `IO_ERROR` when the native loop's threads cannot start.
 */
export function openConnect(
  requested: ConnectBackend | undefined,
  targets: readonly ScanTarget[],
  lanes?: number,
): ChosenConnect {
  const why = requested === 'javascript' ? undefined : whyNotNative(targets);
  if (requested === 'native' && why !== undefined) {
    throw new PortscopeError(
      'UNSUPPORTED_PLATFORM',
      `Expected the native connect loop for connectBackend 'native', but ${why}${why.includes('addon') ? ': run `npm rebuild portscope` with python3, make and a C compiler installed' : ''}; 'auto' falls back to JavaScript`,
    );
  }
  if (requested === 'javascript' || why !== undefined) {
    return {
      backend: 'javascript',
      ...(why === undefined ? {} : { reason: why }),
      probe: tcpConnectProbe,
      close: () => undefined,
    };
  }
  try {
    const loop = openNativeConnect(lanes);
    return {
      backend: 'native',
      probe: loop.probe,
      close: () => {
        loop.close();
      },
    };
  } catch (error) {
    throw new PortscopeError('IO_ERROR', 'The native connect loop could not start', { cause: error });
  }
}
