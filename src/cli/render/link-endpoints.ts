import type { Endpoint } from '../../model/index.js';
import { NETLINK_PROTOCOLS } from '../../inventory/linux/parse-netlink.js';
import { ETH_P_ALL, ETHERTYPE_NAMES } from '../../inventory/linux/parse-packet.js';

/**
 * A netlink endpoint as `ss -A netlink` prints it: `rtnl:kernel` for the kernel's socket (port id
 * 0), `rtnl:4242` for another; with `numeric`, the protocol number (`0:4242`). No peer: `*`.
 */
export function netlinkLabel(endpoint: Endpoint, numeric: boolean): string {
  if (endpoint.address === '') return '*';
  const index = NETLINK_PROTOCOLS.indexOf(endpoint.address);
  const protocol = numeric && index >= 0 ? String(index) : endpoint.address;
  return `${protocol}:${endpoint.port === 0 && !numeric ? 'kernel' : String(endpoint.port)}`;
}

/**
 * A packet socket's endpoint as `ss -0` prints it: `PROTOCOL:INTERFACE`, `*` for every protocol
 * (ETH_P_ALL) or any interface, ethertypes by name (`ip:lo`); with `numeric`, `[2048]:lo`. Its peer is `*`.
 */
export function packetLabel(endpoint: Endpoint, numeric: boolean): string {
  const ethertype = endpoint.port;
  const named = ETHERTYPE_NAMES.get(ethertype);
  const protocol = ethertype === ETH_P_ALL ? '*' : numeric || named === undefined ? `[${String(ethertype)}]` : named;
  return `${protocol}:${endpoint.address === '' ? '*' : endpoint.address}`;
}
