import type { ScanProtocol } from './port-spec.js';

/**
 * A port's state, as nmap defines it: `open` (an application accepts connections or answers),
 * `closed` (reachable, nothing listens: a TCP RST or an ICMP port-unreachable), `filtered` (no
 * answer, or an ICMP error other than port-unreachable: something drops or rejects the probes),
 * `open|filtered` (UDP silence: an open port that did not answer the probe, or a filter).
 */
export type PortState = 'open' | 'closed' | 'filtered' | 'open|filtered';

/**
 * Why a port got its state, in nmap's `--reason` words: `syn-ack` (TCP connect succeeded),
 * `conn-refused` (TCP RST), `port-unreach` (ICMP port unreachable), `udp-response` (a UDP reply),
 * `no-response`, `host-unreach`, `net-unreach`, `admin-prohibited` (ICMP unreachable errors, and
 * EACCES/EPERM from a local firewall), `error` (any other errno, named in `error`).
 */
export type PortReason =
  | 'syn-ack'
  | 'conn-refused'
  | 'port-unreach'
  | 'udp-response'
  | 'no-response'
  | 'host-unreach'
  | 'net-unreach'
  | 'admin-prohibited'
  | 'error';

/** What a service probe (`-sV`) learned about an open port. */
export interface DetectedService {
  /** A short service name: `ssh`, `http`, `https`, `smtp`, `redis`, `postgresql`, ... */
  readonly name: string;
  /** The first line the service sent, or its HTTP `Server` header, printable ASCII, at most 120 characters. */
  readonly banner?: string;
  /** For TLS: the certificate's subject common name and issuer, and the negotiated protocol. */
  readonly tls?: { readonly subject?: string; readonly issuer?: string; readonly protocol?: string };
}

/** One port of one host: what the scan found. */
export interface PortResult {
  readonly kind: 'port';
  /** Canonical IP text. */
  readonly address: string;
  /** The host name the address was resolved from, if any. */
  readonly hostname?: string;
  readonly port: number;
  readonly protocol: ScanProtocol;
  readonly state: PortState;
  readonly reason: PortReason;
  /** The errno code behind `reason: 'error'` (or behind an ICMP reason), e.g. `EHOSTUNREACH`. */
  readonly error?: string;
  /** Round trip of the answering probe in ms (absent for no-response). */
  readonly rttMs?: number;
  /** Probes sent for this port (1 = answered first time). */
  readonly tries: number;
  /** The IANA / /etc/services name of the port for its protocol (not a detection). */
  readonly serviceName?: string;
  /** With service detection: what answered. */
  readonly service?: DetectedService;
}

/** One host: whether it answered discovery, and its round-trip time. */
export interface HostResult {
  readonly kind: 'host';
  readonly address: string;
  readonly hostname?: string;
  /** `up` (answered discovery, or discovery skipped), `down`, or `timed-out` (--host-timeout hit). */
  readonly status: 'up' | 'down' | 'timed-out';
  /** `syn-ack`, `conn-refused`, `user-set` (-Pn), `no-response`, ... as nmap words it. */
  readonly reason: string;
  /** Smoothed round trip in ms, when measured. */
  readonly rttMs?: number;
}

/**
 * What the scan yields as it goes: host results (after discovery) and port results (as found). A host
 * that hits `hostTimeoutMs` during the port phase gets a second HostResult, `timed-out`, after its `up`
 * one: it replaces the first, and no more of its ports are probed (only a service detection already
 * under way may still report one).
 */
export type ScanEvent = PortResult | HostResult;

/** Progress of a scan, for a progress bar. */
export interface ScanProgress {
  /** Port probes finished (one per port, retries not counted) and planned in all. */
  readonly done: number;
  readonly total: number;
  /** Probes sent, retries included. */
  readonly sent: number;
  readonly open: number;
  /** Probes per second over the scan so far. */
  readonly ratePerSecond: number;
  /** Estimated time left in ms, once known. */
  readonly etaMs?: number;
  /** Probes in flight now, and the window. */
  readonly inFlight: number;
  readonly window: number;
}

/** The size of a scan, known before any probe is sent (see `onPlan`). */
export interface ScanPlan {
  /** Hosts to scan (before discovery, which may find some down). */
  readonly hosts: number;
  /** Ports per host, TCP and UDP together. */
  readonly portsPerHost: number;
  /** Port results the scan yields at most: hosts x ports, of this shard. */
  readonly results: number;
}
