import { inPrefix } from './firewall/address.js';
import { dnatRules, evaluateInbound, evaluatePublished } from './firewall/index.js';
import type { NetnsContext } from './context.js';
import { addressOn } from './interfaces.js';
import { judge } from './reachability.js';
import type { InterfaceVerdict, ListenerExposure, PublishedPort } from './types.js';

type Listener = Pick<ListenerExposure, 'protocol' | 'family' | 'local' | 'scope'>;

/** The interface of `ctx` on the subnet of `address` (the way towards it), if any. */
function ifaceTowards(ctx: NetnsContext, address: string) {
  return ctx.interfaces.find(
    (i) => !i.loopback && i.addresses.some((a) => inPrefix(address, `${a.address}/${String(a.prefixlen)}`)),
  );
}

/** True when the listener, in `own`, takes connections to `address`. */
export function takes(l: Listener, own: NetnsContext, address: string): boolean {
  if (l.scope.kind === 'address') return l.local.address === address;
  if (l.scope.kind !== 'all') return false;
  const family = address.includes(':') ? 'inet6' : 'inet';
  return (
    l.scope.families.includes(family) && own.interfaces.some((i) => i.addresses.some((a) => a.address === address))
  );
}

/**
 * The host endpoints that other namespaces' DNAT rules publish this listener on (docker, podman,
 * kube-proxy port publishing), each judged in the publishing namespace: its nat prerouting must
 * send a new connection arriving on each of its other interfaces here, its forward path must let
 * it through, and the listener's own namespace must let it in. DNAT rules whose destination port
 * is matched in a chain above them (kube-proxy's KUBE-SEP chains) are not followed.
 */
export function publishedBy(l: Listener, own: NetnsContext, others: readonly NetnsContext[]): PublishedPort[] {
  const found: PublishedPort[] = [];
  for (const host of others) {
    if (host.netns === own.netns) continue;
    for (const r of dnatRules(host.ruleset)) {
      const to = r.to.address;
      if (to === undefined || r.port === undefined || (r.protocol ?? l.protocol) !== l.protocol) continue;
      if ((r.to.port ?? r.port) !== l.local.port || !takes(l, own, to)) continue;
      const family = to.includes(':') ? 'inet6' : 'inet';
      const out = ifaceTowards(host, to);
      const inside = own.interfaces.find((i) => i.addresses.some((a) => a.address === to)) ?? ifaceTowards(own, to);
      const verdicts: InterfaceVerdict[] = [];
      for (const iface of host.interfaces) {
        if (iface.loopback || iface.name === out?.name) continue;
        const address = r.address ?? addressOn(iface, family);
        if (address === undefined) continue;
        let firewall = host.forwarding[family]
          ? evaluatePublished(host.ruleset, {
              family,
              protocol: l.protocol,
              interface: iface.name,
              address,
              port: r.port,
              to: { address: to, port: l.local.port },
              outInterface: out?.name ?? '',
            })
          : ({
              verdict: 'drop',
              reason: `${host.name ?? String(host.netns)} does not forward ${family === 'inet' ? 'IPv4' : 'IPv6'}`,
            } as const);
        if (firewall.verdict === 'accept' && inside !== undefined) {
          // The listener's own namespace filters the forwarded packet too.
          const inward = evaluateInbound(own.ruleset, {
            family,
            protocol: l.protocol,
            port: l.local.port,
            interface: inside.name,
            address: to,
          });
          if (inward.verdict !== 'accept' || inward.sources !== undefined) firewall = inward;
        }
        verdicts.push({ interface: iface.name, family, firewall });
      }
      const hostAddress = r.address ?? (family === 'inet' ? '0.0.0.0' : '::');
      const { reachable } = judge({ kind: 'all', families: [family] }, hostAddress, verdicts);
      found.push({
        protocol: l.protocol,
        host: { address: hostAddress, port: r.port },
        via: 'dnat',
        rule: r.rule,
        reachable,
      });
    }
  }
  return found;
}
