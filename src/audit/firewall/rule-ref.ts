import type { IptablesRule, NftRule } from '../../ports/index.js';
import type { FirewallRuleRef } from '../types.js';
import { nftRuleText } from './nft-text.js';

/** How a report names an nftables rule: family, table, chain, handle and the rule as `nft` prints it. */
export function nftRuleRef(rule: NftRule): FirewallRuleRef {
  return {
    source: 'nftables',
    family: rule.family,
    table: rule.table,
    chain: rule.chain,
    ...(rule.handle === undefined ? {} : { handle: rule.handle }),
    text: nftRuleText(rule.expr),
  };
}

/** How a report names an iptables rule: `ip`/`ip6`, table, chain, its `iptables-save` line and text. */
export function iptablesRuleRef(rule: IptablesRule, family: 'inet' | 'inet6'): FirewallRuleRef {
  return {
    source: 'iptables',
    family: family === 'inet' ? 'ip' : 'ip6',
    table: rule.table,
    chain: rule.chain,
    line: rule.line,
    text: rule.text,
  };
}
