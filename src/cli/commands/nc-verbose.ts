import { isIP } from 'node:net';
import { isUnixEndpoint } from '../../netcat/endpoint.js';
import type { NetcatEndpoint, NetcatProtocol } from '../../netcat/index.js';
import { localServiceName } from '../../registry/services.js';
import { where } from './nc-shared.js';

/** The tool whose `-v` wording nc copies (`--compat`), or portscope's own. */
export type VerboseStyle = 'portscope' | 'ncat' | 'openbsd';

/**
 * The `-v` lines that scripts wait for, in each tool's wording, whole (prefix included, no newline).
 * ncat 7.93 and netcat-openbsd 1.219 (Debian 12) were run beside each other to copy theirs:
 * `Ncat: Listening on 127.0.0.1:PORT`, `Listening on 127.0.0.1 PORT`, and so on.
 */
export interface VerboseLines {
  listening(local: NetcatEndpoint, protocol: NetcatProtocol, tls: boolean): string[];
  connectionFrom(peer: NetcatEndpoint, protocol: NetcatProtocol): string[];
  /** `host` is the name given on the command line, which OpenBSD nc prints beside the address. */
  connected(peer: NetcatEndpoint, local: NetcatEndpoint, protocol: NetcatProtocol, host: string): string[];
  /** The end of a client session (ncat's byte counts; nothing for the others, which say nothing). */
  finished(sentBytes: number, receivedBytes: number, elapsedMs: number): string[];
  /** A port that `-z` could not connect to, with the kernel's words (`Connection refused`). */
  failed(host: string, port: number, protocol: NetcatProtocol, reason: string): string[];
  /** A unix datagram client's own bound path, when it is bound (before `connected`) and removed (at the end). */
  datagramSource(path: string, removed: boolean): string[];
}

/** ncat writes IPv6 addresses without brackets (`::1:8080`). */
const ncatText = (e: NetcatEndpoint) => (isUnixEndpoint(e) ? e.path : `${e.host}:${String(e.port)}`);
const bsdText = (e: NetcatEndpoint) => (isUnixEndpoint(e) ? e.path : `${e.host} ${String(e.port)}`);

const PORTSCOPE: VerboseLines = {
  listening: (local, protocol, tls) => [
    `portscope nc: listening on ${where(local)} (${protocol}${tls ? ', TLS' : ''})`,
  ],
  connectionFrom: (peer) => [`portscope nc: connection from ${where(peer)}`],
  connected: (peer, local, protocol) => [
    `portscope nc: connected to ${where(peer)} from ${where(local)} (${protocol})`,
  ],
  finished: () => [],
  failed: () => [],
  datagramSource: () => [],
};

const NCAT: VerboseLines = {
  listening: (local) => [`Ncat: Listening on ${ncatText(local)}`],
  connectionFrom: (peer, protocol) => {
    // A stream client has no path (ncat prints its empty address too); a datagram client's is its own.
    if (isUnixEndpoint(peer))
      return peer.path === ''
        ? ['Ncat: Connection from a client on Unix domain socket.', 'Ncat: Connection from .']
        : [`Ncat: Connection from ${peer.path}.`];
    const first = `Ncat: Connection from ${peer.host}.`;
    return protocol === 'udp' ? [first] : [first, `Ncat: Connection from ${ncatText(peer)}.`];
  },
  connected: (peer) => [`Ncat: Connected to ${ncatText(peer)}.`],
  finished: (sent, received, ms) => [
    `Ncat: ${String(sent)} bytes sent, ${String(received)} bytes received in ${(ms / 1000).toFixed(2)} seconds.`,
  ],
  failed: (_host, _port, _protocol, reason) => [`Ncat: ${reason}.`],
  datagramSource: (path, removed) => [
    removed
      ? `Ncat: Deleting source DGRAM Unix domain socket. [${path}]`
      : `Ncat: [${path}] used as source DGRAM Unix domain socket.`,
  ],
};

const OPENBSD: VerboseLines = {
  listening: (local, protocol) =>
    isUnixEndpoint(local)
      ? [`Bound on ${local.path}`, `Listening on ${local.path}`]
      : [`${protocol === 'udp' ? 'Bound' : 'Listening'} on ${bsdText(local)}`],
  connectionFrom: (peer) => [`Connection received on ${bsdText(peer)}`],
  connected: (peer, _local, protocol, host) => {
    if (isUnixEndpoint(peer) || protocol === 'unix') return [];
    const named = isIP(host) === 0 ? `${host} (${peer.host})` : host;
    return [
      `Connection to ${named} ${String(peer.port)} port [${protocol}/${localServiceName(peer.port, protocol) ?? '*'}] succeeded!`,
    ];
  },
  finished: () => [],
  failed: (host, port, protocol, reason) => [
    `nc: connect to ${host} port ${String(port)} (${protocol}) failed: ${reason}`,
  ],
  datagramSource: () => [],
};

/** The `-v` lines in the wording of `style`. */
export function verboseLines(style: VerboseStyle): VerboseLines {
  return style === 'ncat' ? NCAT : style === 'openbsd' ? OPENBSD : PORTSCOPE;
}
