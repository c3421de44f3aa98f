import type { IptablesTable, NftRuleset } from '../../ports/index.js';

/** One family's `iptables-save` (`inet`) or `ip6tables-save` (`inet6`) tables, legacy or nft backend. */
export interface IptablesRuleset {
  readonly family: 'inet' | 'inet6';
  /** `legacy` (x_tables) or `nft` (iptables-nft: its tables are also in nftables, and read from here instead). */
  readonly variant: 'legacy' | 'nft';
  readonly tables: ReadonlyMap<string, IptablesTable>;
}

/**
 * A network namespace's packet filter, as read by {@link readRuleset}: the nftables ruleset and
 * the iptables tables. A packet must pass both.
 */
export interface Ruleset {
  /** `nft -j list ruleset`; absent when nft is missing or failed. */
  readonly nft?: NftRuleset;
  readonly iptables: readonly IptablesRuleset[];
  /** nft tables (`family table`) that iptables-nft manages: evaluated from `iptables-nft-save` instead. */
  readonly iptablesNftTables: ReadonlySet<string>;
  /** What was read: `nftables`, `iptables-legacy`, `ip6tables-nft`, ... */
  readonly sources: readonly string[];
  /** What could not be read, one line each. */
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}
