import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { PortscopeError } from '../errors.js';
import { checkConnectBackend, openConnect, type ConnectInfo } from './connect-backend.js';
import { discoverHosts } from './discovery.js';
import { newEngineStats } from './engine.js';
import { EventQueue } from './event-queue.js';
import { hostFields, newHostState, type HostState } from './host-state.js';
import type { Shard } from './permutation.js';
import { portPhaseSize, runPortPhase, shareSize } from './port-phase.js';
import { checkWorkers, runPortWorkers, workerCount } from './port-workers.js';
import { udpDatagramProbe } from './probes/udp-datagram.js';
import { detectService } from './probes/service.js';
import { resolveTargets } from './resolve-targets.js';
import type { PortResult, PortState, ScanEvent } from './result.js';
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
  /** Hosts by final status, one count per host: a host that was up and then hit `hostTimeoutMs` counts as `timedOut` only. */
  readonly hosts: { readonly up: number; readonly down: number; readonly timedOut: number };
  /** Port results by state. */
  readonly ports: Readonly<Record<PortState, number>>;
  /**
   * Probes sent (retries and timing pings included), retries, timing pings (probes of a port that
   * answered, sent when the host went silent: never results), self-connects retried, back-pressure events.
   */
  readonly probes: {
    readonly sent: number;
    readonly retries: number;
    readonly pings: number;
    readonly selfConnects: number;
    readonly backPressure: number;
  };
  /** The scan's timing values after the template and overrides. */
  readonly timing: TimingValues;
  /** The TCP connect loop that ran (`native` or `javascript`), and why not native when `auto` fell back. */
  readonly connect: ConnectInfo;
}

const DEFAULT_MAX_WINDOW = 8192;
const INITIAL_WINDOW = 64;
const SERVICE_CONCURRENCY = 32;

/**
 * {@link scan}, yielding its events in the batches they come in (one await per batch, not per
 * event: a loopback scan yields 10,000 results in a few hundred ms). Same options, summary and errors.
 */
export async function* scanBatches(
  targets: readonly string[],
  options: ScanOptions = {},
): AsyncGenerator<ScanEvent[], ScanSummary> {
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
  checkWorkers(options.workers);
  checkConnectBackend(options.connectBackend);
  const resolved = await resolveTargets(targets, options);
  const hosts = resolved.map((t) => newHostState(t, timing));
  const perHost = ports.tcp.length + ports.udp.length;
  options.onPlan?.({
    hosts: hosts.length,
    portsPerHost: perHost,
    results: shareSize(hosts.length * perHost, options.shard),
  });
  const connect = openConnect(options.connectBackend, resolved);
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
  const totals = newEngineStats();
  const limit = windowLimit(timing.maxParallelism > 0 ? timing.maxParallelism : DEFAULT_MAX_WINDOW);
  const initial = Math.min(limit, timing.maxParallelism === 1 ? 1 : INITIAL_WINDOW);
  const window = new CongestionWindow(1, limit, initial);
  let windowSize = () => window.size;
  const engine = {
    stats: totals,
    timing,
    window,
    probes: { tcp: connect.probe, udp: udpDatagramProbe },
    signal: controller.signal,
    ...(options.minRate === undefined ? {} : { minRate: options.minRate }),
    ...(options.maxRate === undefined ? {} : { maxRate: options.maxRate }),
  };
  const queue = new EventQueue<ScanEvent>();
  const counts: Record<PortState, number> = { open: 0, closed: 0, filtered: 0, 'open|filtered': 0 };
  const hostCounts = { up: 0, down: 0, timedOut: 0 };
  const reportedUp = new Set<string>();
  const timedOut = new Set<HostState>();
  const onHostTimeout = (host: HostState) => {
    if (timedOut.has(host)) return;
    timedOut.add(host);
    host.skipped = true;
    hostCounts.timedOut++;
    // A host already reported up now counts as timed out only (the counts stay one per host).
    if (reportedUp.has(host.target.address)) hostCounts.up--;
    const rttMs = host.rtt.smoothedMs;
    queue.push({
      kind: 'host',
      ...hostFields(host),
      status: 'timed-out',
      reason: 'host-timeout',
      ...(rttMs === undefined ? {} : { rttMs: Math.round(rttMs * 100) / 100 }),
    });
  };

  const scanPorts = async (upHosts: HostState[]) => {
    const size = portPhaseSize(upHosts.length, ports);
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
    const shardSize = shareSize(size, options.shard);
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
              window: windowSize(),
            });
          }, 250);
    const onResult = (result: PortResult) => {
      done++;
      if (options.serviceDetection === true && result.state === 'open' && result.protocol === 'tcp')
        services.push(detect(result));
      else report(result);
    };
    const threads = workerCount(options.workers, shardSize, ports, timing, connect.backend === 'native');
    try {
      if (threads > 1) {
        const byAddress = new Map(upHosts.map((h) => [h.target.address, h]));
        let windows = 0;
        windowSize = () => windows;
        await runPortWorkers({
          count: threads,
          data: {
            hosts: upHosts.map((h) => ({
              target: h.target,
              maxSuccessfulTry: h.maxSuccessfulTry,
              ...(h.rtt.smoothedMs === undefined ? {} : { srttMs: h.rtt.smoothedMs }),
            })),
            ports,
            seed,
            ...(options.shard === undefined ? {} : { shard: options.shard }),
            timing,
            connectBackend: connect.backend,
            serviceNames: options.serviceNames !== false,
            // Each thread keeps its share of the rates and of the fd-bound window.
            ...(options.minRate === undefined ? {} : { minRate: options.minRate / threads }),
            ...(options.maxRate === undefined ? {} : { maxRate: options.maxRate / threads }),
            windowLimit: Math.max(1, Math.floor(limit / threads)),
            initialWindow: Math.max(1, Math.floor(initial / threads)),
          },
          signal: controller.signal,
          stats: totals,
          onResult: (result) => {
            const host = byAddress.get(result.address);
            if (host === undefined || !host.skipped) onResult(result);
          },
          onHostTimeout: (address) => {
            const host = byAddress.get(address);
            if (host !== undefined) onHostTimeout(host);
          },
          onWindow: (size) => {
            windows = size;
          },
        });
      } else {
        await runPortPhase({
          hosts: upHosts,
          ports,
          seed,
          ...(options.shard === undefined ? {} : { shard: options.shard }),
          serviceNames: options.serviceNames !== false,
          engine,
          onResult,
          onHostTimeout,
        });
      }
      await Promise.all(services);
    } finally {
      if (progress !== undefined) clearInterval(progress);
    }
  };

  const work = (async () => {
    const upHosts = await discoverHosts(hosts, {
      ping: options.ping !== false,
      pingPorts,
      engine,
      report: (result) => {
        if (result.status === 'up') {
          hostCounts.up++;
          reportedUp.add(result.address);
        } else hostCounts.down++;
        queue.push(result);
      },
      onHostTimeout,
    });
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
    yield* queue.batches();
  } finally {
    // A caller that stops iterating early stops the scan too.
    controller.abort();
    options.signal?.removeEventListener('abort', onAbort);
    await work.catch(() => undefined);
    connect.close();
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
      pings: totals.pings,
      selfConnects: totals.selfConnects,
      backPressure: totals.backPressure,
    },
    timing,
    connect: { backend: connect.backend, ...(connect.reason === undefined ? {} : { reason: connect.reason }) },
  };
}
