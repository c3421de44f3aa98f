import type { ExpectedListener, Policy } from '../audit/policy/types.js';
import type { NetnsSelector } from '../inventory/options.js';
import type { Endpoint, Family, Owner, OwnerStatus, Protocol, SocketState } from '../model/index.js';

/**
 * A listening service: every socket of one netns bound to one protocol, local address and port (or
 * unix path). Several sockets share an identity under SO_REUSEPORT; they are one listener here.
 * The identity ({@link Listener.key}) never contains a pid: a restarted service is the same listener.
 */
export interface Listener {
  /** `netns/protocol/address/port` (`netns/unix/path` for unix); `?` for a netns that could not be read. */
  readonly key: string;
  /** Inode of the network namespace; absent when unknown (a traced listener whose process is gone). */
  readonly netns?: number;
  /** Its name under /run/netns, when it has one. */
  readonly netnsName?: string;
  readonly protocol: Protocol;
  readonly family: Family;
  readonly local: Endpoint;
  /** Socket inodes, ascending (several under SO_REUSEPORT); empty for a listener known from the tracepoint only. */
  readonly inodes: readonly number[];
  /** Processes holding its sockets (union over its sockets, pids ascending). */
  readonly owners: readonly Owner[];
  readonly ownerStatus: OwnerStatus;
  /** IPv6 only: IPV6_V6ONLY (part of the listener's scope). */
  readonly v6only?: boolean;
  /** SO_BINDTODEVICE interface index (part of the scope); absent when unbound. */
  readonly ifindex?: number;
  /** LISTEN sockets: connections waiting to be accepted (sum of Recv-Q); absent when unknown. */
  readonly acceptQueue?: number;
  /** LISTEN sockets: the accept backlog (sum of Send-Q); absent when unknown (procfs reads 0: left absent). */
  readonly backlog?: number;
  /** `poll` (a sock_diag or /proc/net listing) or `tracepoint` (seen by sock:inet_sock_set_state only). */
  readonly source: 'poll' | 'tracepoint';
}

/** What differs between two sightings of one listener. */
export type ListenerChange = 'owners' | 'scope' | 'socket';

/** A listener seen for the first time (`initial`: already there when the watch started). */
export interface ListenerAddedEvent {
  readonly type: 'listener-added';
  /** ISO 8601 time it was seen (the tracepoint's time of the listen() call when traced). */
  readonly time: string;
  readonly listener: Listener;
  readonly initial: boolean;
}

/** A listener gone for longer than `debounceMs`. */
export interface ListenerRemovedEvent {
  readonly type: 'listener-removed';
  /** ISO 8601 time the removal was decided (first missed + `debounceMs`). */
  readonly time: string;
  /** ISO 8601 time it was first missed (or traced closing). */
  readonly goneAt: string;
  /** The last sighting. */
  readonly listener: Listener;
}

/**
 * The same listener with other owners, scope (v6only, bound device) or sockets: a restart. A
 * listener that went and came back within `debounceMs` gives this event and no removal/addition.
 */
export interface ListenerChangedEvent {
  readonly type: 'listener-changed';
  readonly time: string;
  readonly listener: Listener;
  readonly previous: Listener;
  readonly changes: readonly ListenerChange[];
  /** Milliseconds it was missing, when it went and came back; absent when swapped between two polls. */
  readonly goneForMs?: number;
}

/** Sockets of one netns in one protocol and state. */
export interface SocketCount {
  /** Absent where the platform does not say. */
  readonly netns?: number;
  readonly netnsName?: string;
  readonly protocol: Protocol;
  readonly state: SocketState;
  readonly count: number;
}

/** Every `summaryIntervalMs`: socket counts, and each listener's accept queue against its backlog. */
export interface SummaryEvent {
  readonly type: 'summary';
  readonly time: string;
  /** From one listing of every socket (no owners), by netns, protocol and state; sorted. */
  readonly sockets: readonly SocketCount[];
  readonly listeners: readonly Pick<Listener, 'key' | 'acceptQueue' | 'backlog'>[];
}

/**
 * A non-fatal problem: `TRACEPOINT_UNAVAILABLE` (short-lived listeners can be missed),
 * `POLL_FAILED` (one poll threw; the next one is tried), `PERMISSION_DENIED` (owners unknown).
 */
export interface WatchWarningEvent {
  readonly type: 'warning';
  readonly time: string;
  readonly code: string;
  readonly message: string;
}

/**
 * With a `policy`, after a poll: a listener the policy does not expect appeared or changed
 * (`unexpected-listener`), or a policy entry stopped matching any listener (`expected-listener-missing`,
 * also at the first poll). The kinds are the audit's finding kinds; matching is the audit's.
 */
export interface PolicyViolationEvent {
  readonly type: 'policy-violation';
  readonly time: string;
  readonly kind: 'unexpected-listener' | 'expected-listener-missing';
  /** `unexpected-listener`: the listener no policy entry matches. */
  readonly listener?: Listener;
  /** `expected-listener-missing`: the policy entry no listener matches. */
  readonly expected?: ExpectedListener;
}

/** What {@link watchSockets} yields. */
export type SocketEvent =
  | ListenerAddedEvent
  | ListenerRemovedEvent
  | ListenerChangedEvent
  | SummaryEvent
  | WatchWarningEvent
  | PolicyViolationEvent;

/** Options of `watchSockets`. */
export interface WatchOptions {
  /** Ends the iteration (quietly: the iterator returns) and cleans up the trace instance. */
  readonly signal?: AbortSignal;
  /** Milliseconds between two polls. @default 1000 */
  readonly intervalMs?: number;
  /** How long a missing listener may stay away and come back as one `listener-changed`. @default 5000 */
  readonly debounceMs?: number;
  /** Milliseconds between two `summary` events; 0 for none. @default 60000 (each is one full listing: see docs/performance.md) */
  readonly summaryIntervalMs?: number;
  /** Which network namespaces (see `listSockets`). @default 'all' */
  readonly netns?: NetnsSelector;
  /** Protocols watched. @default ['tcp', 'udp', 'unix'] */
  readonly protocols?: readonly ('tcp' | 'udp' | 'udplite' | 'unix' | 'mptcp')[];
  /**
   * Count unconnected UDP sockets bound to a port inside ip_local_port_range as listeners (they are
   * usually clients: a resolver's query socket). @default false
   */
  readonly ephemeralUdp?: boolean;
  /**
   * Also read the `sock:inet_sock_set_state` tracepoint (TCP listen()/close() as they happen, through
   * a private tracefs instance), so a listener shorter than a poll interval is seen. Needs root.
   * `'auto'`: when root and tracefs is there (a `warning` event says when not); `true`: the same
   * but a failure throws; `false`: polls only. @default 'auto'
   */
  readonly tracepoint?: boolean | 'auto';
  /**
   * Also yield `policy-violation` events against this audit policy (loadPolicy): listeners it does
   * not expect, and expected listeners missing (after `debounceMs`). @default none
   */
  readonly policy?: Policy;
}
