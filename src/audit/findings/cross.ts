import { endpointText, listenerKey, netnsLabel, ownersText } from '../listener-key.js';
import { matchesExpected } from '../policy/match.js';
import type { Finding, ListenerExposure } from '../types.js';
import type { FindingInput } from './input.js';

/** The same netns, protocol and port held by different processes on IPv4 and on IPv6. */
export function splitOwners(listeners: readonly ListenerExposure[]): Finding[] {
  const groups = new Map<string, ListenerExposure[]>();
  for (const l of listeners) {
    const key = `${netnsLabel(l)}/${l.protocol}/${String(l.local.port)}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const findings: Finding[] = [];
  for (const [key, group] of groups) {
    const v4 = group.filter((l) => l.family === 'inet' && l.owners.length > 0);
    const v6 = group.filter((l) => l.family === 'inet6' && l.owners.length > 0);
    const pids = (ls: ListenerExposure[]) => new Set(ls.flatMap((l) => l.owners.map((o) => o.pid)));
    const v6pids = pids(v6);
    if (v4.length === 0 || v6.length === 0 || [...pids(v4)].some((p) => v6pids.has(p))) continue;
    findings.push({
      id: `split-owner-v4-v6:${key}`,
      kind: 'split-owner-v4-v6',
      severity: 'medium',
      title: `${key} is held by different processes on IPv4 and IPv6`,
      evidence: [...v4, ...v6].map((l) => `${listenerKey(l)}: ${ownersText(l.owners, l.ownerStatus)}`),
      fix: 'A client reaches a different program by family (localhost may resolve to ::1 first): stop the stray one or move it to another port.',
    });
  }
  return findings;
}

/** Firewall rules in the host's netns that accept a port nothing listens on (nor a published port). */
export function staleRules(input: FindingInput): Finding[] {
  const host = input.listeners.filter((l) => l.netnsName === 'host');
  if (input.accepted === undefined || host.length === 0) return [];
  const used = new Set<string>();
  for (const l of input.listeners) {
    if (l.netnsName === 'host') used.add(`${l.protocol}/${String(l.local.port)}`);
    for (const p of l.published ?? []) used.add(`${p.protocol}/${String(p.host.port)}`);
  }
  return input.accepted
    .filter((a) => !used.has(`${a.protocol}/${String(a.port)}`))
    .map((a) => ({
      id: `stale-firewall-rule:${a.protocol}/${String(a.port)}:${a.rule.table}/${a.rule.chain}`,
      kind: 'stale-firewall-rule',
      severity: 'low',
      title: `The firewall accepts ${a.protocol}/${String(a.port)} but nothing listens on it`,
      evidence: [`${a.rule.source} ${a.rule.table} ${a.rule.chain}: ${a.rule.text}`],
      fix: 'Delete the rule, so that whatever binds the port next is not exposed by surprise.',
    }));
}

/** Policy entries that no listener matches. */
export function missingExpected(input: FindingInput): Finding[] {
  const policy = input.policy;
  if (policy === undefined) return [];
  return policy.listeners
    .filter((e) => !input.listeners.some((l) => matchesExpected(e, l)))
    .map((e) => {
      const where = e.address === undefined ? String(e.port) : endpointText(e.address, e.port);
      const key = `${e.netns ?? 'host'}/${e.protocol}/${where}`;
      const wanted = Object.entries(e)
        .filter(([k]) => !['netns', 'protocol', 'port', 'comment'].includes(k))
        .map(([k, v]) => `${k}=${String(v)}`);
      return {
        id: `expected-listener-missing:${key}`,
        kind: 'expected-listener-missing',
        severity: 'medium' as const,
        title: `The policy expects a listener on ${key} but none matches`,
        evidence: [`policy entry: ${key}${wanted.length > 0 ? ` (${wanted.join(', ')})` : ''}`],
        fix: 'Start the service (check its unit and logs), or remove the entry from the policy.',
      };
    });
}
