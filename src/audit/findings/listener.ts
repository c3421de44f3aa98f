import { isLoopbackAddress } from '../../model/loopback.js';
import { listenerKey, mayBeReachable, ownersText } from '../listener-key.js';
import { matchesExpected } from '../policy/match.js';
import { SEVERITIES } from '../policy/types.js';
import { riskyServiceFor } from '../risky-services.js';
import type { Finding, ListenerExposure, Severity } from '../types.js';
import type { FindingInput } from './input.js';

function lower(severity: Severity): Severity {
  return SEVERITIES[Math.max(1, SEVERITIES.indexOf(severity) - 1)] ?? 'low';
}

function facts(l: ListenerExposure): string[] {
  return [
    `listener ${listenerKey(l)}`,
    `owners: ${ownersText(l.owners, l.ownerStatus)}`,
    `reachable: ${l.reachable} (${l.reason})`,
  ];
}

/** A listener the network may reach that no policy entry expects (only with a policy). */
export function unexpectedListener(l: ListenerExposure, input: FindingInput): Finding | undefined {
  const { policy } = input;
  if (policy === undefined || !mayBeReachable(l) || policy.listeners.some((e) => matchesExpected(e, l)))
    return undefined;
  return {
    id: `unexpected-listener:${listenerKey(l)}`,
    kind: 'unexpected-listener',
    severity: l.reachable === 'unknown' ? 'low' : 'medium',
    title: `${listenerKey(l)} is ${l.reachable === 'unknown' ? 'perhaps ' : ''}reachable from the network and not in the policy`,
    evidence: facts(l),
    fix: 'Stop the service or bind it to 127.0.0.1, or add it to the policy if it is meant to be reachable.',
  };
}

/** A well-known risky service (RISKY_SERVICES) that the network may reach. */
export function riskyService(l: ListenerExposure): Finding | undefined {
  if (!mayBeReachable(l)) return undefined;
  const service = riskyServiceFor(
    l.protocol,
    l.local.port,
    l.owners.map((o) => o.command),
  );
  if (service === undefined) return undefined;
  return {
    id: `risky-service:${listenerKey(l)}`,
    kind: 'risky-service',
    severity: l.reachable === 'yes' ? service.severity : lower(service.severity),
    title: `${service.name} (${service.why}) on ${listenerKey(l)} is ${l.reachable === 'yes' ? '' : 'perhaps '}reachable from the network`,
    evidence: [...facts(l), `source: ${service.source}`],
    fix: `Bind ${service.name} to 127.0.0.1 or a private address, or drop ${l.protocol}/${String(l.local.port)} in the firewall; prefer an authenticated, encrypted alternative.`,
  };
}

/** A listener no process holds (kernel service, or a socket passed away and never received). */
export function noOwner(l: ListenerExposure): Finding | undefined {
  if (l.ownerStatus !== 'none') return undefined;
  return {
    id: `no-owner:${listenerKey(l)}`,
    kind: 'no-owner',
    severity: mayBeReachable(l) ? 'medium' : 'low',
    title: `${listenerKey(l)} has no owning process`,
    evidence: [...facts(l), 'no /proc/PID/fd entry refers to the socket'],
    fix: 'Find the kernel module or service that opened it (nfsd, a tunnel, a socket in flight over a unix socket) and stop it if unneeded.',
  };
}

/** A listener on a port the kernel may hand out as an ephemeral (client) port. */
export function ephemeralListener(l: ListenerExposure, input: FindingInput): Finding | undefined {
  const range = input.ephemeral;
  const port = l.local.port;
  if (range === undefined || port < range.from || port > range.to) return undefined;
  if (range.reserved.some((r) => port >= r.from && port <= r.to)) return undefined;
  return {
    id: `ephemeral-range-listener:${listenerKey(l)}`,
    kind: 'ephemeral-range-listener',
    severity: l.protocol === 'tcp' ? 'low' : 'info',
    title: `${listenerKey(l)} listens inside the ephemeral port range ${String(range.from)}-${String(range.to)}`,
    evidence: [...facts(l), `net.ipv4.ip_local_port_range = ${String(range.from)} ${String(range.to)}`],
    fix: `Move it below ${String(range.from)}, or reserve the port: sysctl -w net.ipv4.ip_local_reserved_ports=${String(port)} (a client connect can take it before a restart).`,
  };
}

/** A TCP listener bound to every address whose established peers are all on loopback. */
export function wildcardLoopbackPeers(l: ListenerExposure, input: FindingInput): Finding | undefined {
  if (l.protocol !== 'tcp' || l.scope.kind !== 'all') return undefined;
  const peers = input.established.filter(
    (s) =>
      s.protocol === 'tcp' &&
      s.state === 'ESTABLISHED' &&
      s.netns === l.netns &&
      s.local.port === l.local.port &&
      (s.family === l.family || l.scope.families.includes(s.family as 'inet')),
  );
  if (peers.length === 0 || !peers.every((s) => isLoopbackAddress(s.peer.address))) return undefined;
  const loopback = l.family === 'inet6' && !l.scope.families.includes('inet') ? '::1' : '127.0.0.1';
  const shown = [...new Set(peers.map((s) => s.peer.address))].slice(0, 5).join(', ');
  return {
    id: `wildcard-bind-loopback-peers:${listenerKey(l)}`,
    kind: 'wildcard-bind-loopback-peers',
    severity: mayBeReachable(l) ? 'low' : 'info',
    title: `${listenerKey(l)} is bound to every address but all ${String(peers.length)} of its peers are on loopback`,
    evidence: [...facts(l), `established peers: ${shown}`],
    fix: `Bind it to ${loopback} instead of ${l.local.address}.`,
  };
}
