export { scan, type ScanSummary } from './scan.js';
export { runScan, type ScanReport } from './run-scan.js';
export { portsOf, type ScanOptions } from './scan-options.js';
export type { ConnectBackend, ConnectInfo } from './connect-backend.js';
export type {
  PortResult,
  HostResult,
  ScanEvent,
  ScanProgress,
  ScanPlan,
  PortState,
  PortReason,
  DetectedService,
} from './result.js';
export { parsePortSpec, excludePorts, type PortSet, type ScanProtocol } from './port-spec.js';
export { topPorts } from './top-ports.js';
export { parseTargetSpec, type TargetSpec } from './target-spec.js';
export { resolveTargets, type ScanTarget, type ResolveTargetsOptions } from './resolve-targets.js';
export { parseShard, Permutation, shardOrder, type Shard } from './permutation.js';
export { TIMING_TEMPLATES, parseTimingTemplate, RttEstimator, type TimingValues } from './timing.js';
export { detectService, serviceOfReply } from './probes/service.js';
export { udpPayload, UDP_PAYLOAD_PORTS } from './probes/udp-payloads.js';
