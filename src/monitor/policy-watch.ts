import { matchesExpected, type PolicySubject } from '../audit/policy/match.js';
import type { ExpectedListener, Policy } from '../audit/policy/types.js';
import { bindScope } from '../audit/scope.js';
import type { NamespaceInfo } from '../model/index.js';
import type { Listener, PolicyViolationEvent } from './types.js';

/**
 * A watched listener as the audit's policy matching sees it, or undefined for what a policy cannot
 * name: unix, UDP-Lite and MPTCP listeners, and a listener known from the tracepoint only (its owners
 * are not read yet: the next poll's sighting is checked). `host` is the inode of portscope's own netns.
 */
function subject(l: Listener, host: number | undefined): PolicySubject | undefined {
  if (l.source !== 'poll' || l.netns === undefined || (l.protocol !== 'tcp' && l.protocol !== 'udp')) return undefined;
  if (l.family !== 'inet' && l.family !== 'inet6') return undefined;
  const netnsName = l.netns === host ? 'host' : l.netnsName;
  return {
    netns: l.netns,
    ...(netnsName === undefined ? {} : { netnsName }),
    protocol: l.protocol,
    family: l.family,
    local: l.local,
    owners: l.owners,
    // The interface a bound address belongs to does not matter to a policy: only the scope's kind.
    scope: bindScope({ family: l.family, local: l.local, ...(l.v6only === undefined ? {} : { v6only: l.v6only }) }, []),
  };
}

/**
 * The policy side of watchSockets, apart from I/O: after each poll, which listeners are
 * `unexpected-listener` and which policy entries are `expected-listener-missing`, each said once
 * when it starts (again when an unexpected listener changes, or when a missing one comes back and goes
 * again). Matching is the audit's ({@link matchesExpected}); as in the audit, a listener bound to
 * loopback only is never unexpected (the network cannot reach it). Firewall verdicts are not read:
 * a listener the audit finds blocked by the firewall is still reported here.
 */
export class PolicyWatch {
  private readonly unexpected = new Set<string>();
  private readonly missing = new Set<ExpectedListener>();

  constructor(private readonly policy: Policy) {}

  /**
   * `present`: the listeners seen by the last poll; `known`: those plus the ones missing for less
   * than the debounce (a restart does not make an expected listener missing); `changed`: keys of
   * this round's `listener-changed` events.
   */
  check(
    present: readonly Listener[],
    known: readonly Listener[],
    changed: ReadonlySet<string>,
    namespaces: readonly NamespaceInfo[],
    nowMs: number,
  ): PolicyViolationEvent[] {
    const time = new Date(nowMs).toISOString();
    const host = namespaces.find((n) => n.isHost)?.netns;
    const events: PolicyViolationEvent[] = [];
    const here = new Set(present.map((l) => l.key));
    for (const key of this.unexpected) if (!here.has(key)) this.unexpected.delete(key);
    for (const listener of present) {
      const s = subject(listener, host);
      if (s === undefined) continue;
      if (s.scope.kind === 'loopback' || this.policy.listeners.some((e) => matchesExpected(e, s))) {
        this.unexpected.delete(listener.key);
      } else if (!this.unexpected.has(listener.key) || changed.has(listener.key)) {
        this.unexpected.add(listener.key);
        events.push({ type: 'policy-violation', time, kind: 'unexpected-listener', listener });
      }
    }
    const subjects = known.flatMap((l) => subject(l, host) ?? []);
    for (const expected of this.policy.listeners) {
      if (subjects.some((s) => matchesExpected(expected, s))) {
        this.missing.delete(expected);
      } else if (!this.missing.has(expected)) {
        this.missing.add(expected);
        events.push({ type: 'policy-violation', time, kind: 'expected-listener-missing', expected });
      }
    }
    return events;
  }
}
