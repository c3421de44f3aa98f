export type * from './types.js';
export { auditListeners, type AuditOptions } from './audit.js';
export { computeFindings, type FindingInput } from './findings/index.js';
export { RISKY_SERVICES, riskyServiceFor, type RiskyService } from './risky-services.js';
export { loadPolicy, parsePolicy, policySchema } from './policy/load.js';
export { baselinePolicy, policyYaml } from './policy/baseline.js';
export { matchesExpected } from './policy/match.js';
export { FINDING_KINDS, SEVERITIES, type ExpectedListener, type FindingKind, type Policy } from './policy/types.js';
export { listenerKey, netnsLabel } from './listener-key.js';
export { exposeListeners, type ExposeOptions, type Exposure } from './exposure.js';
export {
  evaluateInbound,
  evaluatePublished,
  acceptedPorts,
  dnatRules,
  readRuleset,
  type InboundQuery,
  type PublishedQuery,
  type AcceptedPort,
  type DnatRule,
  type Ruleset,
  type IptablesRuleset,
} from './firewall/index.js';
export { firewallRules, FIREWALL_FORMATS, type FirewallFormat } from './generate/index.js';
export { checkSnapshot, diffSnapshots, type ListenerChange, type SnapshotDiff } from './diff.js';
