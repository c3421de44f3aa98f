export { whoOwns, coversHost, isListening, type WhoOwnsOptions, type WhoOwnsResult } from './who-owns.js';
export { parsePortTarget, checkPort, canonicalIp, type PortTarget } from './target.js';
export { parsePort, isServiceName } from './port-name.js';
export { findFreePort, isPortFree, bindConflicts, bindProbe, type FindFreePortOptions } from './find-free-port.js';
export {
  planKill,
  type PlanKillOptions,
  type KillPlan,
  type KillCandidate,
  type NetnsRef,
  type RefusalReason,
} from './kill-plan.js';
export {
  killPort,
  type KillPortOptions,
  type KillReport,
  type KillResult,
  type KillOutcome,
  type NewHolder,
} from './kill-port.js';
export type { HolderRelation } from './kill-relation.js';
export { parseSignal, type SignalSpec } from './signals.js';
export {
  waitForPort,
  WAIT_CONDITIONS,
  type WaitForPortOptions,
  type WaitResult,
  type WaitCondition,
} from './wait-for-port.js';
export { parseWaitTarget, type WaitTarget } from './wait-target.js';
export { addressesOf, connectOnce, type AddressAttempt, type ConnectOutcome } from './connect-probe.js';
export { diagnosePort, type DiagnosePortOptions, type Diagnosis } from './doctor/diagnose.js';
export { finding, type Finding, type FindingId, type FindingStatus } from './doctor/finding.js';
export { parseNetstat, readNetstat } from './doctor/netstat.js';
export { readFirewallRules, type FirewallReport } from './firewall/read-firewall.js';
export {
  parseNftRuleset,
  parseNftJson,
  isObject as isNftObject,
  type NftRuleset,
  type NftChain,
  type NftRule,
  type NftSet,
  type NftJson,
} from './firewall/parse-nft.js';
export {
  parseIptablesSave,
  parseIptablesTables,
  type IptablesTable,
  type IptablesRule,
} from './firewall/parse-iptables.js';
export { portInSpec, type FirewallRule } from './firewall/rule.js';
