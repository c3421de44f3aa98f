import type { Severity } from '../types.js';

/** The finding kinds, as `Finding.kind` names them. */
export const FINDING_KINDS = [
  'unexpected-listener',
  'wildcard-bind-loopback-peers',
  'risky-service',
  'no-owner',
  'split-owner-v4-v6',
  'ephemeral-range-listener',
  'stale-firewall-rule',
  'expected-listener-missing',
] as const;

/** One of {@link FINDING_KINDS}. */
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Severities, lowest first. */
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/**
 * A listener the policy expects. Keyed by `netns` (default `host`), `protocol` and `port`; every other
 * field narrows the match (an owner field matches when any owner of the socket has it). Never a pid.
 */
export interface ExpectedListener {
  /** `host`, a name under /run/netns, or a namespace inode in digits. @default 'host' */
  readonly netns?: string;
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  readonly family?: 'inet' | 'inet6';
  readonly scope?: 'loopback' | 'address' | 'all';
  readonly address?: string;
  /** Owner's command name (comm). */
  readonly process?: string;
  readonly exe?: string;
  readonly user?: string;
  /** Owner's systemd unit. */
  readonly unit?: string;
  /** Owner's container name. */
  readonly container?: string;
  readonly comment?: string;
}

/** An audit policy, as schemas/portscope-policy.schema.json describes it. */
export interface Policy {
  readonly version: 1;
  readonly listeners: readonly ExpectedListener[];
  /** Lowest severity at which `portscope audit` exits 1 (its `--fail-on` option wins). */
  readonly failOn?: Severity;
  /** Severity per finding kind, replacing the built-in one. */
  readonly severity?: Partial<Record<FindingKind, Severity>>;
  /** Findings left out, by `id` or by `kind`. */
  readonly ignore?: readonly { readonly id?: string; readonly kind?: FindingKind; readonly reason?: string }[];
}
