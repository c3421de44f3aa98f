import { PortscopeError } from '../../errors.js';
import type { NamespaceInfo, Socket } from '../../model/index.js';
import { destroyRequest } from './destroy-request.js';
import { nativeAddon } from './native.js';
import { netnsOf } from './netns.js';

/**
 * What became of one socket: `closed` (the kernel destroyed it), `gone` (it no longer exists), `unsupported`
 * (this kernel cannot destroy it: no CONFIG_INET_DIAG_DESTROY, a unix socket, or no sock_diag cookie because it
 * was read from procfs), `permission-denied` (needs CAP_NET_ADMIN), `unreachable` (its network namespace could
 * not be entered), `failed` (another errno, in `error`).
 */
export type DestroyOutcome = 'closed' | 'gone' | 'unsupported' | 'permission-denied' | 'unreachable' | 'failed';

/** One socket and what {@link destroySockets} did to it. */
export interface DestroyResult {
  readonly socket: Socket;
  readonly outcome: DestroyOutcome;
  /** The errno name the kernel answered, when not `closed`. */
  readonly error?: string;
}

const OUTCOMES: Readonly<Record<string, DestroyOutcome>> = {
  ENOENT: 'gone',
  EOPNOTSUPP: 'unsupported',
  ENOTSUP: 'unsupported',
  EPERM: 'permission-denied',
  EACCES: 'permission-denied',
};

/** How to enter a socket's namespace: null for this one, else /run/netns/NAME or an owner's /proc/PID/ns/net. */
function namespacePath(socket: Socket, host: number, namespaces: readonly NamespaceInfo[]): string | null | undefined {
  if (socket.netns === host) return null;
  const name = namespaces.find((n) => n.netns === socket.netns)?.name;
  if (name !== undefined) return `/run/netns/${name}`;
  const owner = socket.owners[0];
  return owner === undefined ? undefined : `/proc/${String(owner.pid)}/ns/net`;
}

/**
 * Closes sockets the way `ss -K` does: one netlink SOCK_DESTROY request each, naming the socket by its
 * addresses, ports, interface and sock_diag cookie (so a socket closed meanwhile and replaced by another is
 * never hit). TCP sockets are aborted (the peer gets a reset, the holder ECONNABORTED); UDP and raw sockets
 * are unbound. Needs the native addon, root (CAP_NET_ADMIN) and a kernel built with CONFIG_INET_DIAG_DESTROY.
 * `namespaces` (a Snapshot's) names the namespaces of sockets listed elsewhere than here.
 * @returns one result per socket, in order; never throws for one socket's failure.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` when the native addon is not built.
 */
export function destroySockets(sockets: readonly Socket[], namespaces: readonly NamespaceInfo[] = []): DestroyResult[] {
  const addon = nativeAddon();
  if (addon?.sockDestroy === undefined) {
    throw new PortscopeError(
      'UNSUPPORTED_PLATFORM',
      'Expected the native addon (build/Release/portscope_native.node) to close sockets, but it is not built: run `npm rebuild portscope` with python3, make and a C compiler installed',
    );
  }
  const host = netnsOf('self') ?? 0;
  return sockets.map((socket): DestroyResult => {
    const request = destroyRequest(socket);
    if (request === undefined) return { socket, outcome: 'unsupported' };
    const path = namespacePath(socket, host, namespaces);
    if (path === undefined) return { socket, outcome: 'unreachable' };
    let error: string | undefined;
    try {
      error = addon.sockDestroy?.(path, request);
    } catch (cause) {
      return { socket, outcome: 'unreachable', error: (cause as { code?: string }).code ?? String(cause) };
    }
    return error === undefined
      ? { socket, outcome: 'closed' }
      : { socket, outcome: OUTCOMES[error] ?? 'failed', error };
  });
}
