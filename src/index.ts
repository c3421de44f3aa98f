/**
 * portscope: network ports and sockets as typed data. See docs/api.md.
 * @packageDocumentation
 */
export { PortscopeError, isPortscopeError, type ErrorCode } from './errors.js';
export * from './model/index.js';
export * from './inventory/index.js';
export * from './registry/index.js';
export * from './ports/index.js';
export * from './scan/index.js';
export * from './netcat/index.js';
export * from './monitor/index.js';
export {
  auditListeners,
  baselinePolicy,
  computeFindings,
  diffSnapshots,
  exposeListeners,
  FINDING_KINDS,
  loadPolicy,
  matchesExpected,
  parsePolicy,
  policySchema,
  policyYaml,
  RISKY_SERVICES,
  riskyServiceFor,
  SEVERITIES,
  type ExposeOptions,
  type Exposure,
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
  type AuditOptions,
  type AuditReport,
  type BindScope,
  type ExpectedListener,
  type Finding as AuditFinding,
  type FindingInput,
  type FindingKind,
  type ListenerChange,
  type SnapshotDiff,
  firewallRules,
  FIREWALL_FORMATS,
  type FirewallFormat,
  type FirewallRuleRef,
  type FirewallVerdict,
  type InterfaceVerdict,
  type ListenerExposure,
  type Policy,
  type PublishedPort,
  type Reachability,
  type RiskyService,
  type Severity,
} from './audit/index.js';
