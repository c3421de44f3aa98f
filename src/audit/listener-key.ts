import type { Owner } from '../model/index.js';
import { ownerLabel } from '../model/index.js';
import type { ListenerExposure } from './types.js';

/** The namespace a listener is in, as policies name it: `host`, its /run/netns name, or its inode. */
export function netnsLabel(listener: Pick<ListenerExposure, 'netns' | 'netnsName'>): string {
  return listener.netnsName ?? String(listener.netns);
}

/** `[addr]:port` for IPv6, `addr:port` otherwise. */
export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${String(port)}` : `${address}:${String(port)}`;
}

/** The stable key of a listener: `netns/protocol/address:port` (no pid, so it survives restarts). */
export function listenerKey(listener: ListenerExposure): string {
  return `${netnsLabel(listener)}/${listener.protocol}/${endpointText(listener.local.address, listener.local.port)}`;
}

/** `command[pid]` of each owner, or the owner status when there is none. */
export function ownersText(owners: readonly Owner[], status: string): string {
  return owners.length === 0 ? `no owner (${status})` : owners.map(ownerLabel).join(', ');
}

/** True when network traffic from another host may reach it: `yes`, `partly` or `unknown`. */
export function mayBeReachable(listener: ListenerExposure): boolean {
  return listener.reachable !== 'no';
}
