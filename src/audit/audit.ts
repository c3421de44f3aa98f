import { hostname } from 'node:os';
import { listSockets } from '../inventory/list-sockets.js';
import type { Backend, NetnsSelector } from '../inventory/options.js';
import type { Socket } from '../model/index.js';
import { readKernelPortSettings } from '../registry/kernel-ports.js';
import { exposeInContexts } from './exposure.js';
import { computeFindings, type FindingInput } from './findings/index.js';
import { acceptedPorts, readRuleset } from './firewall/index.js';
import type { Policy } from './policy/types.js';
import type { AuditReport, ListenerExposure } from './types.js';

/**
 * The established TCP sockets on the local ports of TCP listeners bound to every address (the
 * only ones the `wildcard-bind-loopback-peers` finding looks at), without owners: the kernel
 * filters by state and port (sock_diag), so a host with many connections elsewhere costs little.
 */
async function peersOf(
  listeners: readonly ListenerExposure[],
  netns: NetnsSelector,
  backend: Backend,
): Promise<Socket[]> {
  const ports = new Set(
    listeners.filter((l) => l.protocol === 'tcp' && l.scope.kind === 'all').map((l) => l.local.port),
  );
  if (ports.size === 0) return [];
  const filter = `state established ( ${[...ports].map((p) => `sport = :${String(p)}`).join(' or ')} )`;
  const { sockets } = await listSockets({
    protocols: ['tcp'],
    families: ['inet', 'inet6'],
    owners: false,
    netns,
    filter,
    backend,
  });
  return sockets;
}

/** Options of {@link auditListeners}. */
export interface AuditOptions {
  /** Which network namespaces: `'all'`, `'host'`, a name under /run/netns, or an inode. @default 'all' */
  readonly netns?: NetnsSelector;
  /** The expected listeners, severities and ignores (see loadPolicy). @default no policy: no `unexpected-listener` findings */
  readonly policy?: Policy;
  /** Read the host's firewall for `stale-firewall-rule` findings. @default true */
  readonly firewall?: boolean;
  /** How to read the kernel's sockets (as `listSockets`' `backend`). @default 'auto' */
  readonly backend?: Backend;
}

/**
 * Audits every TCP listener and bound UDP socket: their exposure (exposeListeners: bind scope,
 * firewall verdict, `reachable`) and the findings (docs/audit.md). Data from listSockets, the
 * firewall (nft / iptables-save), /proc/sys/net/ipv4/ip_local_{port_range,reserved_ports}.
 * A firewall that cannot be read is a warning, not an error.
 * @throws PortscopeError from listSockets (`INVALID_ARGUMENT` for a bad netns or backend, `NOT_FOUND` for an unknown netns).
 */
export async function auditListeners(options: AuditOptions = {}): Promise<AuditReport> {
  const takenAt = new Date().toISOString();
  const netns = options.netns ?? 'all';
  const backend = options.backend ?? 'auto';
  const { exposure, contexts } = await exposeInContexts({ netns, backend });
  const established = await peersOf(exposure.listeners, netns, backend);
  const warnings = [...exposure.warnings];
  let accepted: FindingInput['accepted'];
  const host = contexts.find((c) => c.name === 'host');
  if (options.firewall !== false && (netns === 'all' || netns === 'host')) {
    try {
      // The exposure has read the host's ruleset already; read it here only when it had no listener.
      accepted = acceptedPorts(host?.ruleset ?? (await readRuleset()));
    } catch (error) {
      warnings.push({ code: 'FIREWALL_UNREADABLE', message: `stale firewall rules not checked: ${String(error)}` });
    }
  }
  const kernel = readKernelPortSettings();
  const findings = computeFindings({
    listeners: exposure.listeners,
    established,
    ephemeral: { ...kernel.ephemeral, reserved: kernel.reserved },
    ...(accepted === undefined ? {} : { accepted }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
  return {
    schemaVersion: 1,
    takenAt,
    host: hostname(),
    listeners: exposure.listeners,
    findings,
    sources: exposure.sources,
    warnings,
  };
}
