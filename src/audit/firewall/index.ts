import type { FirewallRuleRef } from '../types.js';

/** PLACEHOLDER (the firewall evaluator is written on another branch, which replaces this file at merge). */
export interface Ruleset {
  readonly accepted: readonly { protocol: 'tcp' | 'udp'; port: number; rule: FirewallRuleRef }[];
}

/** PLACEHOLDER: the ports the ruleset accepts for new inbound connections, with the accepting rule. */
export function acceptedPorts(ruleset: Ruleset): { protocol: 'tcp' | 'udp'; port: number; rule: FirewallRuleRef }[] {
  return [...ruleset.accepted];
}

/** PLACEHOLDER: reads the host's ruleset (this version reads nothing). */
export async function readRuleset(): Promise<Ruleset> {
  return Promise.resolve({ accepted: [] });
}
