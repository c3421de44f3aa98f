import type { Endpoint, Owner, Socket } from '../model/index.js';

/**
 * How widely a socket is bound, per family: `loopback` (127.0.0.0/8, ::1), `address` (one
 * non-loopback address, with the interface that has it), `all` (0.0.0.0, or `::`; `::` with
 * IPV6_V6ONLY off also takes IPv4, which `families` says).
 */
export interface BindScope {
  readonly kind: 'loopback' | 'address' | 'all';
  /** Families that can reach the socket: `['inet', 'inet6']` for a dual-stack `::` listener. */
  readonly families: readonly ('inet' | 'inet6')[];
  /** For `address`: the interface that holds the address (absent when no interface has it). */
  readonly interface?: string;
}

/** The rule that decided a firewall verdict, as the ruleset names it. */
export interface FirewallRuleRef {
  /** `nftables` or `iptables` (legacy or nft variant, as `iptables-save` printed it). */
  readonly source: 'nftables' | 'iptables';
  readonly family?: string;
  readonly table: string;
  readonly chain: string;
  /** nftables rule handle; absent for a chain policy. */
  readonly handle?: number;
  /** 1-based line in the `iptables-save` text; absent for a chain policy. */
  readonly line?: number;
  /** The rule as its tool prints it, or `policy drop` for a chain policy. */
  readonly text: string;
}

/**
 * The firewall's answer for a new inbound connection (or UDP datagram) from another host on one
 * interface to one local port: `accept`, `drop`, `reject`, or `unknown` when a rule cannot be
 * decided statically (`rule` names it). A rule that matches on the source address gives
 * `accept` with `sources` listing the accepted source prefixes ("accept for some sources").
 */
export interface FirewallVerdict {
  readonly verdict: 'accept' | 'drop' | 'reject' | 'unknown';
  /** The deciding rule; absent when no firewall is loaded (then `verdict` is `accept`). */
  readonly rule?: FirewallRuleRef;
  /** When only some sources are accepted: their prefixes (`10.0.0.0/8`, `2001:db8::/32`). */
  readonly sources?: readonly string[];
  /** Why `unknown`, or other context, in one line. */
  readonly reason?: string;
}

/** One interface's verdict for one listener and family. */
export interface InterfaceVerdict {
  readonly interface: string;
  readonly family: 'inet' | 'inet6';
  readonly firewall: FirewallVerdict;
}

/** A host address and port published to a container's listener through DNAT or a userland proxy. */
export interface PublishedPort {
  readonly protocol: 'tcp' | 'udp';
  /** Host address (`0.0.0.0` / `::` for all) and port that other hosts connect to. */
  readonly host: Endpoint;
  /** `dnat` (nat PREROUTING rule) or `proxy` (a userland proxy such as docker-proxy). */
  readonly via: 'dnat' | 'proxy';
  readonly rule?: FirewallRuleRef;
  /** Reachability of the published host endpoint, judged in the host's netns. */
  readonly reachable: Reachability;
}

/** The one-word answer: would a new connection from a host on a directly attached network reach it. */
export type Reachability = 'yes' | 'no' | 'partly' | 'unknown';

/** One TCP listener or bound UDP socket with its exposure. */
export interface ListenerExposure {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  readonly local: Endpoint;
  /** Inode of the socket's network namespace. */
  readonly netns: number;
  /** Its name under /run/netns, `host` for the host's namespace; absent when it has none. */
  readonly netnsName?: string;
  readonly owners: readonly Owner[];
  readonly ownerStatus: Socket['ownerStatus'];
  readonly scope: BindScope;
  /** Verdict per (non-loopback interface x family) of the socket's netns. */
  readonly firewall: readonly InterfaceVerdict[];
  /** For a listener in a container's netns: how the host publishes it. */
  readonly published?: readonly PublishedPort[];
  readonly reachable: Reachability;
  /** One line: why `reachable` is what it is (scope, deciding rule, published port). */
  readonly reason: string;
}

/** Severity of a finding, lowest first. */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** One audit finding: a stable `id`, its kind, how bad, what shows it, and the fix. */
export interface Finding {
  /** Stable across runs for the same situation (kind + listener key), so policies can ignore it. */
  readonly id: string;
  /**
   * `unexpected-listener`, `wildcard-bind-loopback-peers`, `risky-service`, `no-owner`,
   * `split-owner-v4-v6`, `ephemeral-range-listener`, `stale-firewall-rule`, `expected-listener-missing`.
   */
  readonly kind: string;
  readonly severity: Severity;
  /** One line. */
  readonly title: string;
  /** Facts that show it: the listener key, owner, rule text, source of risky-service data. */
  readonly evidence: readonly string[];
  /** What to do, in one or two lines. */
  readonly fix: string;
}

/** What `auditListeners()` returns: every listener with its exposure, and the findings. */
export interface AuditReport {
  readonly schemaVersion: 1;
  readonly takenAt: string;
  readonly host: string;
  readonly listeners: readonly ListenerExposure[];
  readonly findings: readonly Finding[];
  /** Firewall sources read (`nftables`, `iptables-legacy`, ...) and what could not be read. */
  readonly sources: readonly string[];
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}
