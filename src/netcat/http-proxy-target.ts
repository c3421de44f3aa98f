import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isLoopbackAddress } from '../model/loopback.js';

/** How the HTTP proxy server may reach a target (see HttpProxyOptions). */
export interface TargetRules {
  /** Whether a target address may be connected to (the listener's --allow/--deny); null: any. */
  readonly targetCheck?: ((address: string) => 'accepted' | 'denied' | 'not-allowed') | null;
  /** Only targets of this address family (the listener's -4/-6); none: either. */
  readonly family?: 4 | 6;
  /** Give up connecting after this long, in ms. @default 10000 */
  readonly connectTimeoutMs?: number;
}

/**
 * Resolves and connects to the target, or the status to answer: 504 when the name does not resolve
 * in `family` or the target cannot be reached (as ncat), 403 when the rules refuse the address, or
 * when `loopPort` is given and the target is that port on an address of this host (a request
 * loop: RFC 9110 7.3.1, as ncat answers a GET to its own port).
 */
export async function connectTarget(
  host: string,
  port: number,
  rules: TargetRules,
  loopPort?: number,
): Promise<Socket | 403 | 504> {
  const family = rules.family ?? 0;
  // A literal address is not looked up, so its family is checked here (ncat's -4 refuses [::1]).
  if (family !== 0 && isIP(host) !== 0 && isIP(host) !== family) return 504;
  let address: string;
  try {
    address = (await lookup(host, { family })).address;
  } catch {
    return 504;
  }
  if (loopPort === port && isLocalAddress(address)) return 403;
  // The rules are checked on the address connected to, so a name cannot lead past them.
  if (rules.targetCheck != null && rules.targetCheck(address) !== 'accepted') return 403;
  const socket = connect({ host: address, port, allowHalfOpen: true });
  const timeoutMs = rules.connectTimeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(504);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => socket.destroy());
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(504);
    });
  });
}

/** Whether connecting to `address` reaches this host: loopback, a wildcard, or an interface's address. */
function isLocalAddress(address: string): boolean {
  if (isLoopbackAddress(address) || address === '0.0.0.0' || address === '::') return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === address) === true);
}
