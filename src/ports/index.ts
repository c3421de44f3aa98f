export { whoOwns, coversHost, type WhoOwnsOptions, type WhoOwnsResult } from './who-owns.js';
export { parsePortTarget, checkPort, canonicalIp, type PortTarget } from './target.js';
export { findFreePort, isPortFree, bindConflicts, type FindFreePortOptions } from './find-free-port.js';
export { planKill, type PlanKillOptions, type KillPlan, type KillCandidate, type RefusalReason } from './kill-plan.js';
export { killPort, type KillPortOptions, type KillReport, type KillResult, type KillOutcome } from './kill-port.js';
export { parseSignal, type SignalSpec } from './signals.js';
export { waitForPort, type WaitForPortOptions, type WaitResult, type WaitCondition } from './wait-for-port.js';
export { parseWaitTarget, type WaitTarget } from './wait-target.js';
export { addressesOf, connectOnce, type AddressAttempt, type ConnectOutcome } from './connect-probe.js';
