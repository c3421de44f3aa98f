import type { Endpoint } from '../../model/index.js';
import { NETLINK_PROTOCOLS } from '../../inventory/linux/parse-netlink.js';

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
