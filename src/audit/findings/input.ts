import type { Socket } from '../../model/index.js';
import type { FirewallRuleRef, ListenerExposure } from '../types.js';
import type { Policy } from '../policy/types.js';

/** Everything the findings are computed from; every part is data, so the rules are pure functions. */
export interface FindingInput {
  readonly listeners: readonly ListenerExposure[];
  /** Established TCP sockets (the peers of listeners), from listSockets. */
  readonly established: readonly Socket[];
  /** The kernel's ephemeral port range and reserved ports (ip_local_port_range, ip_local_reserved_ports). */
  readonly ephemeral?: {
    readonly from: number;
    readonly to: number;
    readonly reserved: readonly { readonly from: number; readonly to: number }[];
  };
  /** Ports the host's firewall accepts for new inbound traffic; absent when the firewall was not read. */
  readonly accepted?: readonly {
    readonly protocol: 'tcp' | 'udp';
    readonly port: number;
    readonly rule: FirewallRuleRef;
  }[];
  readonly policy?: Policy;
}
