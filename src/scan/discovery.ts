import { runEngine, type EngineConfig } from './engine.js';
import { hostFields, type HostState, type Task } from './host-state.js';
import type { HostResult } from './result.js';

/** Host discovery: which hosts to ping on which ports, and where results go. */
export interface Discovery {
  /** False skips discovery: every host is reported up (`user-set`), as nmap's -Pn. */
  readonly ping: boolean;
  /** TCP ports to connect to: a connect or a reset means up. */
  readonly pingPorts: readonly number[];
  readonly engine: Omit<EngineConfig, 'next' | 'onResult' | 'onHostTimeout'>;
  report(result: HostResult): void;
  onHostTimeout(host: HostState): void;
}

/**
 * TCP-connect ping of every host to each ping port until one answers (connected or refused: up);
 * reports one HostResult per host that did not time out, with its round trip, and returns the hosts
 * that are up, in target order.
 */
export async function discoverHosts(hosts: readonly HostState[], discovery: Discovery): Promise<HostState[]> {
  if (!discovery.ping) {
    for (const host of hosts) discovery.report({ kind: 'host', ...hostFields(host), status: 'up', reason: 'user-set' });
    return [...hosts];
  }
  const { pingPorts } = discovery;
  const up = new Map<HostState, string>();
  const lastReason = new Map<HostState, string>();
  let i = 0;
  const total = hosts.length * pingPorts.length;
  await runEngine({
    ...discovery.engine,
    next: (): Task | undefined => {
      while (i < total) {
        const host = hosts[Math.floor(i / pingPorts.length)];
        const port = pingPorts[i % pingPorts.length];
        i++;
        if (host !== undefined && port !== undefined && !up.has(host))
          return { host, port, protocol: 'tcp', tries: 0, selfConnects: 0 };
      }
      return undefined;
    },
    onResult: (t, outcome) => {
      if (outcome.state === 'open' || outcome.state === 'closed') up.set(t.host, outcome.reason);
      else lastReason.set(t.host, outcome.reason);
    },
    onHostTimeout: (host) => {
      discovery.onHostTimeout(host);
    },
  });
  for (const host of hosts) {
    if (host.skipped) continue;
    const reason = up.get(host);
    const rttMs = host.rtt.smoothedMs;
    discovery.report(
      reason === undefined
        ? { kind: 'host', ...hostFields(host), status: 'down', reason: lastReason.get(host) ?? 'no-response' }
        : {
            kind: 'host',
            ...hostFields(host),
            status: 'up',
            reason,
            ...(rttMs === undefined ? {} : { rttMs: Math.round(rttMs * 100) / 100 }),
          },
    );
  }
  return hosts.filter((h) => up.has(h) && !h.skipped);
}
