import { yaml } from '../../lazy-require.js';
import { netnsLabel } from '../listener-key.js';
import type { ListenerExposure } from '../types.js';
import type { ExpectedListener, Policy } from './types.js';

/**
 * A policy that expects exactly `listeners` (today's, for `audit --init`): one entry per netns,
 * protocol, port, scope and bound address (IPv4 and IPv6 twins of a service share it), with the
 * first owner's process, user and systemd unit or container name. Never a pid.
 */
export function baselinePolicy(listeners: readonly ListenerExposure[]): Policy {
  const entries = new Map<string, ExpectedListener>();
  for (const l of listeners) {
    const owner = l.owners[0];
    const entry: ExpectedListener = {
      netns: netnsLabel(l),
      protocol: l.protocol,
      port: l.local.port,
      scope: l.scope.kind,
      ...(l.scope.kind === 'address' ? { address: l.local.address } : {}),
      ...(owner === undefined ? {} : { process: owner.command }),
      ...(owner?.user === undefined ? {} : { user: owner.user }),
      ...(owner?.systemdUnit === undefined ? {} : { unit: owner.systemdUnit }),
      ...(owner?.container?.name === undefined ? {} : { container: owner.container.name }),
    };
    entries.set(JSON.stringify(entry), entry);
  }
  const sorted = [...entries.values()].sort(
    (a, b) => (a.netns ?? '').localeCompare(b.netns ?? '') || a.protocol.localeCompare(b.protocol) || a.port - b.port,
  );
  return { version: 1, failOn: 'medium', listeners: sorted };
}

/** `policy` as YAML, after a comment that says what it is and where it came from. */
export function policyYaml(policy: Policy, header: readonly string[]): string {
  return `${header.map((line) => `# ${line}\n`).join('')}${yaml().stringify(policy)}`;
}
