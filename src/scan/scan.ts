import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { PortscopeError } from '../errors.js';
import { serviceName } from '../registry/index.js';
import { newHostState, runEngine, type EngineStats, type HostState, type Task } from './engine.js';
import { EventQueue } from './event-queue.js';
import { shardOrder, type Shard } from './permutation.js';
import { tcpConnectProbe } from './probes/tcp-connect.js';
import { udpDatagramProbe } from './probes/udp-datagram.js';
import { detectService } from './probes/service.js';
import { resolveTargets } from './resolve-targets.js';
import { addressToBigInt } from './target-spec.js';
import type { HostResult, PortResult, PortState, ScanEvent } from './result.js';
import { checkNumber, portsOf, seedOf, timingOf, type ScanOptions } from './scan-options.js';
import type { TimingValues } from './timing.js';
import { CongestionWindow, windowLimit } from './window.js';

/** What a whole scan did, returned when the iterator ends. */
export interface ScanSummary {
  /** ISO time the scan started, and its length in ms. */
  readonly startedAt: string;
  readonly elapsedMs: number;
  /** The probe-order seed: pass it again (with `shard`) to split or repeat the scan. */
  readonly seed: number;
  readonly shard?: Shard;
  readonly hosts: { readonly up: number; readonly down: number; readonly timedOut: number };
  /** Port results by state. */
  readonly ports: Readonly<Record<PortState, number>>;
  /** Probes sent (retries included), retries, self-connects retried, back-pressure events. */
  readonly probes: {
    readonly sent: number;
    readonly retries: number;
    readonly selfConnects: number;
    readonly backPressure: number;
  };
  /** The scan's timing values after the template and overrides. */
  readonly timing: TimingValues;
}

const DEFAULT_MAX_WINDOW = 8192;
const SERVICE_CONCURRENCY = 32;

function task(host: HostState, port: number, protocol: 'tcp' | 'udp'): Task {
  return { host, port, protocol, tries: 0, selfConnects: 0 };
}

const hostFields = (host: HostState) =>
  host.target.hostname === undefined
    ? { address: host.target.address }
    : { address: host.target.address, hostname: host.target.hostname };

/**
 * Scans `targets` (nmap target syntax: addresses, CIDR, octet ranges, names) for open, closed and
 * filtered ports, as `nmap -sT` (TCP connect) and `-sU` (UDP) do without root. Yields host results
 * after discovery, then port results as they are found, in the randomised probe order; returns a
 * {@link ScanSummary}. Defaults: TCP, our top 1000 ports, timing template 3, discovery on.
 * Sends traffic only to the targets given, at most `maxRate` probes per second when set.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad targets, ports or options), `NOT_FOUND` (a name
 *   that does not resolve), `ABORTED` (the signal fired; results so far were already yielded).
 */
export async function* scan(
  targets: readonly string[],
  options: ScanOptions = {},
): AsyncGenerator<ScanEvent, ScanSummary> {
  const timing = timingOf(options);
  const ports = portsOf(options);
  const seed = seedOf(options);
  checkNumber('minRate', options.minRate, 0.001);
  checkNumber('maxRate', options.maxRate, 0.001);
  checkNumber('serviceWaitMs', options.serviceWaitMs, 1);
  if (options.minRate !== undefined && options.maxRate !== undefined && options.minRate > options.maxRate) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected minRate (${String(options.minRate)}) to be at most maxRate (${String(options.maxRate)})`,
    );
  }
  const pingPorts = options.pingPorts ?? [80, 443];
  for (const p of pingPorts) checkNumber('a ping port', p, 1, 65535);
  const hosts = (await resolveTargets(targets, options)).map((t) => newHostState(t, timing));
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const controller = new AbortController();
  // One listener per service probe in flight: more than the default 10 is expected.
  setMaxListeners(0, controller.signal);
  const onAbort = () => {
    controller.abort();
  };
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted === true) controller.abort();
  const totals: EngineStats = { sent: 0, retries: 0, selfConnects: 0, backPressure: 0, inFlight: 0, aborted: false };
  const limit = windowLimit(timing.maxParallelism > 0 ? timing.maxParallelism : DEFAULT_MAX_WINDOW);
  const window = new CongestionWindow(1, limit, Math.min(limit, timing.maxParallelism === 1 ? 1 : 64));
  const common = {
    stats: totals,
    timing,
    window,
    probes: { tcp: tcpConnectProbe, udp: udpDatagramProbe },
    signal: controller.signal,
    ...(options.minRate === undefined ? {} : { minRate: options.minRate }),
    ...(options.maxRate === undefined ? {} : { maxRate: options.maxRate }),
  };
  const queue = new EventQueue<ScanEvent>();
  const counts: Record<PortState, number> = { open: 0, closed: 0, filtered: 0, 'open|filtered': 0 };
  const hostCounts = { up: 0, down: 0, timedOut: 0 };
  const onHostTimeout = (host: HostState) => {
    hostCounts.timedOut++;
    queue.push({ kind: 'host', ...hostFields(host), status: 'timed-out', reason: 'host-timeout' });
  };

  const discover = async (): Promise<HostState[]> => {
    if (options.ping === false) {
      for (const host of hosts) queue.push({ kind: 'host', ...hostFields(host), status: 'up', reason: 'user-set' });
      hostCounts.up = hosts.length;
      return hosts;
    }
    const up = new Map<HostState, string>();
    const lastReason = new Map<HostState, string>();
    let i = 0;
    const total = hosts.length * pingPorts.length;
    // The engine counts into `totals` (common.stats).
    await runEngine({
      ...common,
      next: () => {
        while (i < total) {
          const host = hosts[Math.floor(i / pingPorts.length)];
          const port = pingPorts[i % pingPorts.length];
          i++;
          if (host !== undefined && port !== undefined && !up.has(host)) return task(host, port, 'tcp');
        }
        return undefined;
      },
      onResult: (t, outcome) => {
        if (outcome.state === 'open' || outcome.state === 'closed') up.set(t.host, outcome.reason);
        else lastReason.set(t.host, outcome.reason);
      },
      onHostTimeout,
    });
    for (const host of hosts) {
      const reason = up.get(host);
      const rttMs = host.rtt.smoothedMs;
      const result: HostResult =
        reason === undefined
          ? { kind: 'host', ...hostFields(host), status: 'down', reason: lastReason.get(host) ?? 'no-response' }
          : {
              kind: 'host',
              ...hostFields(host),
              status: 'up',
              reason,
              ...(rttMs === undefined ? {} : { rttMs: Math.round(rttMs * 100) / 100 }),
            };
      if (host.skipped) continue;
      if (reason === undefined) hostCounts.down++;
      else hostCounts.up++;
      queue.push(result);
    }
    return hosts.filter((h) => up.has(h) && !h.skipped);
  };

  const scanPorts = async (upHosts: HostState[]) => {
    const perHost = ports.tcp.length + ports.udp.length;
    const size = upHosts.length * perHost;
    const order = shardOrder(size, seed, options.shard);
    const services: Promise<void>[] = [];
    let running = 0;
    const waiting: (() => void)[] = [];
    const report = (result: PortResult) => {
      counts[result.state]++;
      queue.push(result);
    };
    const detect = async (result: PortResult) => {
      if (running >= SERVICE_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        const service = await detectService(result.address, result.port, {
          waitMs: options.serviceWaitMs ?? 2000,
          signal: controller.signal,
        });
        report(service === undefined ? result : { ...result, service });
      } finally {
        running--;
        waiting.shift()?.();
      }
    };
    let done = 0;
    const shardSize =
      options.shard === undefined ? size : Math.ceil(Math.max(0, size - options.shard.index) / options.shard.count);
    const progress =
      options.onProgress === undefined
        ? undefined
        : setInterval(() => {
            const elapsed = performance.now() - started;
            const rate = totals.sent / Math.max(0.001, elapsed / 1000);
            options.onProgress?.({
              done,
              total: shardSize,
              sent: totals.sent,
              open: counts.open,
              ratePerSecond: Math.round(rate),
              ...(done > 0 ? { etaMs: Math.round(((shardSize - done) * elapsed) / done) } : {}),
              inFlight: totals.inFlight,
              window: window.size,
            });
          }, 250);
    try {
      await runEngine({
        ...common,
        next: () => {
          const next = order.next();
          if (next.done === true) return undefined;
          const host = upHosts[Math.floor(next.value / perHost)] as HostState;
          const k = next.value % perHost;
          return k < ports.tcp.length
            ? task(host, ports.tcp[k] ?? 0, 'tcp')
            : task(host, ports.udp[k - ports.tcp.length] ?? 0, 'udp');
        },
        onResult: (t, outcome) => {
          done++;
          const name = serviceName(t.port, t.protocol)?.name;
          const result: PortResult = {
            kind: 'port',
            ...hostFields(t.host),
            port: t.port,
            protocol: t.protocol,
            state: outcome.state,
            reason: outcome.reason,
            ...(outcome.error === undefined ? {} : { error: outcome.error }),
            ...(outcome.reason === 'no-response' ? {} : { rttMs: Math.round(outcome.rttMs * 100) / 100 }),
            tries: t.tries + 1,
            ...(name === undefined ? {} : { serviceName: name }),
          };
          if (options.serviceDetection === true && result.state === 'open' && result.protocol === 'tcp')
            services.push(detect(result));
          else report(result);
        },
        onHostTimeout,
      });
      await Promise.all(services);
    } finally {
      if (progress !== undefined) clearInterval(progress);
    }
  };

  const work = (async () => {
    const upHosts = await discover();
    if (!controller.signal.aborted && upHosts.length > 0) await scanPorts(upHosts);
  })();
  work.then(
    () => {
      queue.end();
    },
    (error: unknown) => {
      queue.fail(error);
    },
  );
  try {
    yield* queue.drain();
  } finally {
    // A caller that stops iterating early stops the scan too.
    controller.abort();
    options.signal?.removeEventListener('abort', onAbort);
    await work.catch(() => undefined);
  }
  if (totals.aborted || options.signal?.aborted === true) throw new PortscopeError('ABORTED', 'The scan was aborted');
  return {
    startedAt,
    elapsedMs: Math.round(performance.now() - started),
    seed,
    ...(options.shard === undefined ? {} : { shard: options.shard }),
    hosts: hostCounts,
    ports: counts,
    probes: {
      sent: totals.sent,
      retries: totals.retries,
      selfConnects: totals.selfConnects,
      backPressure: totals.backPressure,
    },
    timing,
  };
}

/** A whole scan's results: every host and port result, and the summary. */
export interface ScanReport {
  readonly hosts: HostResult[];
  readonly ports: PortResult[];
  readonly summary: ScanSummary;
}

/**
 * Runs {@link scan} to the end and collects its results; port results sorted by address, protocol
 * and port. Same options and errors as {@link scan}.
 */
export async function runScan(targets: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  const hosts: HostResult[] = [];
  const ports: PortResult[] = [];
  const iterator = scan(targets, options);
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) {
      const key = new Map(ports.map((p) => [p.address, addressToBigInt(p.address)]));
      ports.sort((a, b) => {
        const x = key.get(a.address) ?? 0n;
        const y = key.get(b.address) ?? 0n;
        return (x < y ? -1 : x > y ? 1 : 0) || a.protocol.localeCompare(b.protocol) || a.port - b.port;
      });
      return { hosts, ports, summary: next.value };
    }
    if (next.value.kind === 'host') hosts.push(next.value);
    else ports.push(next.value);
  }
}
