import { serviceName } from '../registry/services.js';
import { runEngine, type EngineConfig } from './engine.js';
import { hostFields, type HostState, type Task } from './host-state.js';
import { shardOrder, type Shard } from './permutation.js';
import type { PortSet } from './port-spec.js';
import type { PortResult } from './result.js';

/** The port scan of the hosts found up: what to probe, in which share, and where results go. */
export interface PortPhase {
  readonly hosts: readonly HostState[];
  readonly ports: PortSet;
  /** The probe-order seed, and the share of the order this run covers (`--shard`). */
  readonly seed: number;
  readonly shard?: Shard;
  /**
   * Of the shard's positions, take only every `lane.count`-th from `lane.index`: one worker
   * thread's part. Lanes together cover the shard exactly once.
   */
  readonly lane?: Shard;
  /** The engine's settings (timing, window, probes, rates, signal, stats). */
  readonly engine: Omit<EngineConfig, 'next' | 'onResult' | 'onHostTimeout'>;
  onResult(result: PortResult): void;
  onHostTimeout(host: HostState): void;
}

/** (hosts x ports) probed by a phase: the size of the order its shards split. */
export function portPhaseSize(hostCount: number, ports: PortSet): number {
  return hostCount * (ports.tcp.length + ports.udp.length);
}

/** How many positions a shard (and lane) of `size` covers. */
export function shareSize(size: number, shard?: Shard, lane?: Shard): number {
  const shardSize = shard === undefined ? size : Math.ceil(Math.max(0, size - shard.index) / shard.count);
  return lane === undefined ? shardSize : Math.ceil(Math.max(0, shardSize - lane.index) / lane.count);
}

/** Runs the engine over the phase's share of (host, port) in the seeded order; one result per port. */
export async function runPortPhase(phase: PortPhase): Promise<void> {
  const { hosts, ports } = phase;
  const perHost = ports.tcp.length + ports.udp.length;
  const order = shardOrder(portPhaseSize(hosts.length, ports), phase.seed, phase.shard);
  const lane = phase.lane ?? { index: 0, count: 1 };
  let position = 0;
  const nextPosition = (): number | undefined => {
    for (;;) {
      const next = order.next();
      if (next.done === true) return undefined;
      if (position++ % lane.count === lane.index) return next.value;
    }
  };
  await runEngine({
    ...phase.engine,
    next: (): Task | undefined => {
      const value = nextPosition();
      if (value === undefined) return undefined;
      const host = hosts[Math.floor(value / perHost)] as HostState;
      const k = value % perHost;
      const [port, protocol] =
        k < ports.tcp.length
          ? [ports.tcp[k] ?? 0, 'tcp' as const]
          : [ports.udp[k - ports.tcp.length] ?? 0, 'udp' as const];
      return { host, port, protocol, tries: 0, selfConnects: 0 };
    },
    onResult: (t, outcome) => {
      const name = serviceName(t.port, t.protocol)?.name;
      phase.onResult({
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
      });
    },
    onHostTimeout: (host) => {
      phase.onHostTimeout(host);
    },
  });
}
