export { evaluateInbound, type InboundQuery } from './evaluate.js';
export { evaluatePublished, type PublishedQuery } from './forward.js';
export { acceptedPorts, type AcceptedPort } from './accepted-ports.js';
export { dnatRules, dnatFor, type DnatRule } from './dnat.js';
export { readRuleset } from './read-ruleset.js';
export type { Ruleset, IptablesRuleset } from './ruleset.js';
