import type { Socket } from '../model/index.js';
import type { BindScope } from './types.js';
import type { NetInterface } from './interfaces.js';
import { isLoopbackAddress } from '../model/loopback.js';

/**
 * How widely a TCP/UDP socket is bound, from its local address and the namespace's interfaces:
 * `loopback`, `address` (with the interface holding it) or `all`. An `::` socket whose
 * IPV6_V6ONLY is off, or unknown (read from /proc/net: the kernel default is off), also takes
 * IPv4. An IPv4-mapped address (`::ffff:a.b.c.d`) is an IPv4 bind.
 */
export function bindScope(
  socket: Pick<Socket, 'family' | 'local' | 'v6only'>,
  interfaces: readonly NetInterface[],
): BindScope {
  const address = socket.local.address;
  const v6 = socket.family === 'inet6';
  const mapped = v6 && address.startsWith('::ffff:') && address.includes('.');
  const plain = mapped ? address.slice(7) : address;
  const families: ('inet' | 'inet6')[] = mapped ? ['inet'] : v6 ? ['inet6'] : ['inet'];
  if (isLoopbackAddress(address)) return { kind: 'loopback', families };
  if (address === '0.0.0.0') return { kind: 'all', families };
  if (address === '::') return { kind: 'all', families: socket.v6only === true ? ['inet6'] : ['inet', 'inet6'] };
  const holder = interfaces.find((i) => i.addresses.some((a) => a.address === plain));
  return holder === undefined ? { kind: 'address', families } : { kind: 'address', families, interface: holder.name };
}
