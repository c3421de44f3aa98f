import type { Family, Protocol } from '../../model/index.js';
import { AF_INET, AF_INET6, IPPROTO, inetDiagRequest, tcpBothFamiliesRequest } from './diag-request.js';
import { COLUMN_PROTOCOLS } from './socket-columns.js';

/** A table a columns listing dumps: `protocol` is an index in COLUMN_PROTOCOLS, `family` AF_INET or AF_INET6. */
export interface ColumnTable {
  readonly protocol: number;
  readonly family: number;
}

/** The sock_diag requests of a columns listing's tables, one namespace's worth. */
export interface ColumnRequests {
  /** The tables of `protocols` x `families`, in COLUMN_PROTOCOLS order, IPv4 before IPv6. */
  readonly tables: readonly ColumnTable[];
  /** One inet_diag request per table, in the tables' order. */
  readonly requests: Buffer[];
  /**
   * What is sent: `requests`, but for TCP of both families one TCPDIAG_GETSOCK request (tcpBothFamiliesRequest:
   * one walk of the kernel's TCP hash instead of two) in place of the two, at index `both`.
   */
  readonly sent: Buffer[];
  /** The index in `tables` of TCP over IPv4 when TCP over IPv6 follows it (one request for both), else -1. */
  readonly both: number;
}

/**
 * The requests that read-columns.ts sends for a listing of `protocols` (only TCP, UDP and UDP-Lite count) and
 * `families` (only inet and inet6 count) in one namespace: TCP in the `tcpStateMask` states (tcpStateMask), the
 * others in every state, on `localPorts` only when given (the kernel's bytecode filter). Also what the CLI's
 * prefetch (src/cli/prefetch.ts) sends before the listing asks, so that both are the same bytes by construction.
 */
export function columnRequests(
  protocols: ReadonlySet<Protocol>,
  families: ReadonlySet<Family>,
  tcpStateMask: number,
  localPorts?: readonly number[],
): ColumnRequests {
  const tables: ColumnTable[] = [];
  COLUMN_PROTOCOLS.forEach((protocol, p) => {
    if (!protocols.has(protocol)) return;
    if (families.has('inet')) tables.push({ protocol: p, family: AF_INET });
    if (families.has('inet6')) tables.push({ protocol: p, family: AF_INET6 });
  });
  const requests = tables.map((t) => {
    const protocol = COLUMN_PROTOCOLS[t.protocol] ?? 'tcp';
    const states = protocol === 'tcp' ? tcpStateMask : 0xffffffff;
    return inetDiagRequest(t.family, IPPROTO[protocol], states, localPorts);
  });
  const both = tables.findIndex(
    (t, i) =>
      t.protocol === 0 && t.family === AF_INET && tables[i + 1]?.protocol === 0 && tables[i + 1]?.family === AF_INET6,
  );
  const sent = both < 0 ? requests : requests.toSpliced(both, 2, tcpBothFamiliesRequest(tcpStateMask, localPorts));
  return { tables, requests, sent, both };
}
