import { runIn } from './firewall/read-ruleset.js';

/** One address of an interface. */
export interface InterfaceAddress {
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly prefixlen: number;
  /** `global`, `link`, `host`... as `ip addr` shows it. */
  readonly scope: string;
}

/** A network interface of one namespace and its addresses. */
export interface NetInterface {
  readonly index: number;
  readonly name: string;
  readonly loopback: boolean;
  readonly addresses: readonly InterfaceAddress[];
}

/** Parses `ip -j addr` output; malformed input gives an empty list. */
export function parseIpAddr(json: string): NetInterface[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(doc)) return [];
  return doc.flatMap((raw: unknown): NetInterface[] => {
    if (typeof raw !== 'object' || raw === null) return [];
    const i = raw as { ifindex?: unknown; ifname?: unknown; flags?: unknown; addr_info?: unknown };
    if (typeof i.ifname !== 'string' || typeof i.ifindex !== 'number') return [];
    const infos = Array.isArray(i.addr_info)
      ? (i.addr_info as { family?: unknown; local?: unknown; prefixlen?: unknown; scope?: unknown }[])
      : [];
    const addresses = infos.flatMap((a): InterfaceAddress[] =>
      (a.family === 'inet' || a.family === 'inet6') && typeof a.local === 'string'
        ? [{ family: a.family, address: a.local, prefixlen: Number(a.prefixlen), scope: String(a.scope) }]
        : [],
    );
    const loopback = Array.isArray(i.flags) && i.flags.includes('LOOPBACK');
    return [{ index: i.ifindex, name: i.ifname, loopback, addresses }];
  });
}

/**
 * The interfaces and addresses of the namespace at `nsPath` (this one when undefined), from
 * `ip -j addr` run inside it. Returns an empty list when `ip` fails.
 */
export async function readInterfaces(nsPath: string | undefined): Promise<NetInterface[]> {
  const out = await runIn(nsPath, 'ip', ['-j', 'addr']);
  return 'stdout' in out ? parseIpAddr(out.stdout) : [];
}

/** The address other hosts on `iface`'s network use for this family: global scope first, else link-local. */
export function addressOn(iface: NetInterface, family: 'inet' | 'inet6'): string | undefined {
  const of = iface.addresses.filter((a) => a.family === family);
  return (of.find((a) => a.scope === 'global') ?? of[0])?.address;
}
