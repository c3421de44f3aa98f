import { PortscopeError } from '../errors.js';
import type { ConnectBackend } from './connect-backend.js';
import type { Shard } from './permutation.js';
import { excludePorts, parsePortSpec, type PortSet, type ScanProtocol } from './port-spec.js';
import type { ScanPlan, ScanProgress } from './result.js';
import { NORMAL_TIMING, TIMING_TEMPLATES, type TimingValues } from './timing.js';
import { topPorts } from './top-ports.js';

/** Options of {@link scan} and {@link runScan}. Times are in milliseconds, rates in probes per second. */
export interface ScanOptions {
  /** Protocols to scan. Default `['tcp']`. */
  readonly protocols?: readonly ScanProtocol[];
  /** Ports: a {@link PortSet} or an nmap port list (`22,80,1000-2000`, `-`, `U:53,T:80`, `http`). Default: `topPorts` of each protocol. */
  readonly ports?: PortSet | string;
  /** When `ports` is not given, the N top ports of our ranking (`-F` is 100). Default 1000. */
  readonly topPorts?: number;
  /** An nmap port list to leave out. */
  readonly excludePorts?: string;
  /** Target expressions to leave out (see resolveTargets). */
  readonly exclude?: readonly string[];
  /** Refuse more hosts than this. Default 65,536. */
  readonly maxTargets?: number;
  /** Scan every address of a host name. Default false (the first, IPv4 preferred). */
  readonly resolveAll?: boolean;
  /** Only IPv4 or only IPv6. */
  readonly family?: 4 | 6;
  /** nmap timing template 0-5. Default 3 (normal). The fields below override it. */
  readonly timingTemplate?: number;
  readonly minRttTimeoutMs?: number;
  readonly maxRttTimeoutMs?: number;
  readonly initialRttTimeoutMs?: number;
  readonly maxRetries?: number;
  readonly scanDelayMs?: number;
  readonly maxScanDelayMs?: number;
  /** Give up on a host after this long. Default 0 (never), 15 min at -T5. */
  readonly hostTimeoutMs?: number;
  /** At most this many probes in flight (further capped by the fd limit). Default 0: the fd limit, at most 8192. */
  readonly maxParallelism?: number;
  readonly minRate?: number;
  readonly maxRate?: number;
  /** Host discovery by TCP connect to `pingPorts` before the port scan. Default true; false is nmap's -Pn. */
  readonly ping?: boolean;
  /** Ports for discovery: any answer (connect or RST) means up. Default [80, 443]. */
  readonly pingPorts?: readonly number[];
  /** Probe open TCP ports for what answers (banner, HTTP, TLS...). Default false. */
  readonly serviceDetection?: boolean;
  /**
   * Name each port result from /etc/services and the IANA registry (`serviceName`). Default true;
   * false leaves the names out, for a caller that names only the results it prints (the CLI: a
   * table of 10,000 ports prints a few, and indexing the IANA registry for them cost 20-50 ms).
   */
  readonly serviceNames?: boolean;
  /** How long each service probe waits for data. Default 2000. */
  readonly serviceWaitMs?: number;
  /** Seed of the probe order. Default random (reported in the summary). Needed with `shard`. */
  readonly seed?: number;
  /** Cover only this share of the scan (`--shard i/N`). */
  readonly shard?: Shard;
  /**
   * Worker threads for the port scan (1 = none, at most 64): each probes its own lane of the order,
   * with its share of the window and of `minRate`/`maxRate`. Default: as many as the cores (at most
   * 4) for a TCP-only scan of at least 16,384 probes without a scan delay, where one event loop is
   * the bottleneck; else 1.
   */
  readonly workers?: number;
  /**
   * The TCP connect loop: `native` (the addon's epoll loop on a thread of its own: no `net.Socket`
   * or Error per probe), `javascript` (one `net.Socket` per probe), `auto` (native when the addon is
   * built with it). The engine's decisions are the same on both; the summary's `connect` says which ran.
   * @default 'auto'
   */
  readonly connectBackend?: ConnectBackend;
  /** Stops the scan: the iterator then throws `ABORTED`. */
  readonly signal?: AbortSignal;
  /** Called about 4 times a second during the port scan. */
  readonly onProgress?: (progress: ScanProgress) => void;
  /**
   * Called once the targets are resolved, before any probe is sent, with the size of the scan: an
   * error it throws ends the scan there (the CLI refuses a scan whose results would not fit in memory).
   */
  readonly onPlan?: (plan: ScanPlan) => void;
}

/** Checks an optional number option. @throws PortscopeError `INVALID_ARGUMENT` naming it. */
export function checkNumber(name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected ${name} to be a number from ${String(min)} to ${String(max)}, got \`${String(value)}\``,
    );
  }
}

/** The timing values of the options: the template, then each explicit field. */
export function timingOf(options: ScanOptions): TimingValues {
  checkNumber('timingTemplate', options.timingTemplate, 0, 5);
  const base: TimingValues = TIMING_TEMPLATES[Math.floor(options.timingTemplate ?? 3)] ?? NORMAL_TIMING;
  const fields = [
    'minRttTimeoutMs',
    'maxRttTimeoutMs',
    'initialRttTimeoutMs',
    'maxRetries',
    'scanDelayMs',
    'maxScanDelayMs',
    'hostTimeoutMs',
    'maxParallelism',
  ] as const;
  const timing: Record<(typeof fields)[number], number> = { ...base };
  for (const field of fields) {
    const value = options[field];
    checkNumber(
      field,
      value,
      field === 'minRttTimeoutMs' || field === 'maxRttTimeoutMs' || field === 'initialRttTimeoutMs' ? 1 : 0,
    );
    if (value !== undefined)
      timing[field] = field === 'maxRetries' || field === 'maxParallelism' ? Math.floor(value) : value;
  }
  if (options.minRttTimeoutMs !== undefined && options.maxRttTimeoutMs === undefined)
    timing.maxRttTimeoutMs = Math.max(timing.maxRttTimeoutMs, timing.minRttTimeoutMs);
  if (timing.minRttTimeoutMs > timing.maxRttTimeoutMs) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected minRttTimeoutMs (${String(timing.minRttTimeoutMs)}) to be at most maxRttTimeoutMs (${String(timing.maxRttTimeoutMs)})`,
    );
  }
  timing.maxScanDelayMs = Math.max(timing.maxScanDelayMs, timing.scanDelayMs);
  return timing;
}

/** The ports of the options, per protocol. */
export function portsOf(options: ScanOptions): PortSet {
  const protocols = options.protocols ?? ['tcp'];
  if (protocols.length === 0 || protocols.some((p) => !(['tcp', 'udp'] as unknown[]).includes(p))) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected protocols to be tcp and/or udp, got \`${protocols.join(',')}\``,
    );
  }
  checkNumber('topPorts', options.topPorts, 1, 65535);
  const given = options.ports;
  const ports =
    given === undefined
      ? topPorts(options.topPorts ?? 1000, protocols)
      : typeof given === 'string'
        ? parsePortSpec(given, protocols)
        : given;
  const result =
    options.excludePorts === undefined ? ports : excludePorts(ports, parsePortSpec(options.excludePorts, protocols));
  if (result.tcp.length + result.udp.length === 0)
    throw new PortscopeError('INVALID_ARGUMENT', 'Expected at least one port to scan, got none after exclusions');
  return result;
}

/** The seed of the probe order: the given one, or a random one. @throws `INVALID_ARGUMENT` for a shard without a seed. */
export function seedOf(options: ScanOptions): number {
  checkNumber('seed', options.seed, 0, 2 ** 32 - 1);
  if (options.shard !== undefined && options.seed === undefined) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      'Expected a seed with shard: every shard of a scan needs the same --seed',
    );
  }
  // An order, not a secret: Math.random spares every scan node:crypto's load (5-15 ms here).
  return options.seed === undefined ? Math.floor(Math.random() * (2 ** 32 - 1)) : Math.floor(options.seed);
}
