import { TCP_STATES } from '../../model/socket.js';
import type { SocketState } from '../../model/index.js';

const ALL: readonly SocketState[] = [...TCP_STATES, 'UNCONN'];
const BUCKET: readonly SocketState[] = ['SYN_RECV', 'NEW_SYN_RECV', 'TIME_WAIT'];
const CONNECTED = ALL.filter((s) => s !== 'LISTEN' && s !== 'CLOSE' && s !== 'UNCONN');

/**
 * ss's state names and groups (`ss state ...`), plus the kernel's own names in any case.
 * `closed` covers TCP CLOSE and unconnected datagram sockets (UNCONN), as in ss.
 */
export const STATE_NAMES: ReadonlyMap<string, readonly SocketState[]> = new Map<string, readonly SocketState[]>([
  ['established', ['ESTABLISHED']],
  ['syn-sent', ['SYN_SENT']],
  ['syn-recv', ['SYN_RECV', 'NEW_SYN_RECV']],
  ['syn-rcv', ['SYN_RECV', 'NEW_SYN_RECV']],
  ['fin-wait-1', ['FIN_WAIT1']],
  ['fin-wait-2', ['FIN_WAIT2']],
  ['time-wait', ['TIME_WAIT']],
  ['closed', ['CLOSE', 'UNCONN']],
  ['close-wait', ['CLOSE_WAIT']],
  ['last-ack', ['LAST_ACK']],
  ['listening', ['LISTEN']],
  ['listen', ['LISTEN']],
  ['closing', ['CLOSING']],
  ['unconnected', ['UNCONN']],
  ['bound-inactive', ['BOUND_INACTIVE']],
  ['all', ALL],
  ['connected', CONNECTED],
  ['synchronized', CONNECTED.filter((s) => s !== 'SYN_SENT')],
  ['bucket', BUCKET],
  ['big', ALL.filter((s) => !BUCKET.includes(s))],
  ...ALL.map((s): [string, readonly SocketState[]] => [s.toLowerCase(), [s]]),
]);

/** Every socket state, in kernel order then UNCONN. */
export const ALL_STATES = ALL;

/** The states a name stands for (ss spelling, group, or kernel name; case-insensitive), or undefined. */
export function statesNamed(name: string): readonly SocketState[] | undefined {
  return STATE_NAMES.get(name.toLowerCase().replaceAll('_', '-')) ?? STATE_NAMES.get(name.toLowerCase());
}
