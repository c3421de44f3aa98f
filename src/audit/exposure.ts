import { listSockets } from '../inventory/index.js';
import type { Socket } from '../model/index.js';
import type { BindScope, ListenerExposure } from './types.js';

/**
 * PLACEHOLDER for the exposure engine (written on another branch, which replaces this file at merge).
 * Lists TCP listeners and bound UDP sockets with their bind scope; `reachable` is `no` for a loopback
 * bind and `unknown` otherwise, since this version evaluates no firewall.
 */
// The signature is the exposure engine's, verbatim ('all' and 'host' are named for readers).
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export async function exposeListeners(options?: { netns?: 'all' | 'host' | string | number }): Promise<{
  listeners: ListenerExposure[];
  sources: string[];
  warnings: { code: string; message: string }[];
}> {
  const snapshot = await listSockets({
    protocols: ['tcp', 'udp'],
    families: ['inet', 'inet6'],
    netns: options?.netns ?? 'all',
  });
  const names = new Map(snapshot.namespaces.map((n) => [n.netns, n.isHost ? 'host' : n.name]));
  const listeners = snapshot.sockets
    .filter((s) => (s.protocol === 'tcp' ? s.state === 'LISTEN' : s.state === 'UNCONN' && s.local.port !== 0))
    .map((s): ListenerExposure => {
      const scope = scopeOf(s);
      const netnsName = names.get(s.netns);
      return {
        protocol: s.protocol as 'tcp' | 'udp',
        family: s.family as 'inet' | 'inet6',
        local: s.local,
        netns: s.netns,
        ...(netnsName === undefined ? {} : { netnsName }),
        owners: s.owners,
        ownerStatus: s.ownerStatus,
        scope,
        firewall: [],
        reachable: scope.kind === 'loopback' ? 'no' : 'unknown',
        reason: scope.kind === 'loopback' ? 'bound to loopback' : 'firewall not evaluated',
      };
    });
  return { listeners, sources: [], warnings: snapshot.warnings.map((w) => ({ code: w.code, message: w.message })) };
}

function scopeOf(s: Socket): BindScope {
  const a = s.local.address;
  if (a.startsWith('127.') || a === '::1' || a.startsWith('::ffff:127.'))
    return { kind: 'loopback', families: [s.family as 'inet'] };
  if (a === '0.0.0.0') return { kind: 'all', families: ['inet'] };
  if (a === '::') return { kind: 'all', families: s.v6only === false ? ['inet', 'inet6'] : ['inet6'] };
  return { kind: 'address', families: [s.family as 'inet'] };
}
