/**
 * ss's default states, as a filter for parseFilter: connected sockets without TIME-WAIT and SYN-RECV;
 * `listening` (-l) listening sockets and unconnected UDP; `all` (-a) every state (the empty filter).
 * Used by `ls` and by its prefetch (prefetch.ts), which must agree byte for byte.
 */
export function defaultStates(listening: boolean, all: boolean): string {
  if (all) return '';
  if (listening) return 'state listening state unconnected';
  return 'state connected exclude time-wait exclude syn-recv';
}
