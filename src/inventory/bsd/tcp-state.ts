import type { SocketState } from '../../model/index.js';

/**
 * The BSD kernels' TCP state names (tcpstates[] of <netinet/tcp_fsm.h>, printed by macOS netstat and
 * lsof, and FreeBSD sockstat -s) in the Linux kernel's spelling that the model uses.
 */
const BSD_TCP_STATES: ReadonlyMap<string, SocketState> = new Map([
  ['CLOSED', 'CLOSE'],
  ['LISTEN', 'LISTEN'],
  ['SYN_SENT', 'SYN_SENT'],
  ['SYN_RCVD', 'SYN_RECV'],
  ['SYN_RECEIVED', 'SYN_RECV'],
  ['ESTABLISHED', 'ESTABLISHED'],
  ['CLOSE_WAIT', 'CLOSE_WAIT'],
  ['FIN_WAIT_1', 'FIN_WAIT1'],
  ['CLOSING', 'CLOSING'],
  ['LAST_ACK', 'LAST_ACK'],
  ['FIN_WAIT_2', 'FIN_WAIT2'],
  ['TIME_WAIT', 'TIME_WAIT'],
]);

/** The model's state for a BSD TCP state name (any case), undefined for an unknown word. */
export function bsdTcpState(name: string): SocketState | undefined {
  return BSD_TCP_STATES.get(name.toUpperCase());
}
