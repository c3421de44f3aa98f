import { serviceNameOf } from '../registry/services.js';
import { runEngine, type EngineConfig } from './engine.js';
import type { HostState, Task } from './host-state.js';
import { Permutation, type Shard } from './permutation.js';
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
  /** Name each result from the registry (`serviceName`). Default true. */
  readonly serviceNames?: boolean;
  /** The engine's settings (timing, window, probes, rates, signal, stats). */
  readonly engine: Omit<EngineConfig, 'next' | 'onResult' | 'onHostTimeout'>;
  onResult(result: PortResult): void;
  onHostTimeout(host: HostState): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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
  const size = portPhaseSize(hosts.length, ports);
  const permutation = new Permutation(size, phase.seed);
  // Positions of the shard's order (shardOrder's), then every lane.count-th of them from lane.index:
  // stepped here rather than drawn from a generator, which built a result object per port.
  const shard = phase.shard ?? { index: 0, count: 1 };
  const lane = phase.lane ?? { index: 0, count: 1 };
  let i = shard.index + lane.index * shard.count;
  const step = shard.count * lane.count;
  await runEngine({
    ...phase.engine,
    next: (): Task | undefined => {
      if (i >= size) return undefined;
      const value = permutation.at(i);
      i += step;
      const host = hosts[Math.floor(value / perHost)] as HostState;
      const k = value % perHost;
      return k < ports.tcp.length
        ? { host, port: ports.tcp[k] ?? 0, protocol: 'tcp', tries: 0, selfConnects: 0 }
        : { host, port: ports.udp[k - ports.tcp.length] ?? 0, protocol: 'udp', tries: 0, selfConnects: 0 };
    },
    onResult: (t, outcome) => {
      // Field by field, in the order the fields are declared (JSON output keeps it), rather than with
      // a spread of a temporary object per optional field: this runs once per port.
      const { address, hostname } = t.host.target;
      const result = { kind: 'port', address } as Mutable<PortResult>;
      if (hostname !== undefined) result.hostname = hostname;
      result.port = t.port;
      result.protocol = t.protocol;
      result.state = outcome.state;
      result.reason = outcome.reason;
      if (outcome.error !== undefined) result.error = outcome.error;
      if (outcome.reason !== 'no-response') result.rttMs = Math.round(outcome.rttMs * 100) / 100;
      result.tries = t.tries + 1;
      if (phase.serviceNames !== false) {
        const name = serviceNameOf(t.port, t.protocol);
        if (name !== undefined) result.serviceName = name;
      }
      phase.onResult(result);
    },
    onHostTimeout: (host) => {
      phase.onHostTimeout(host);
    },
  });
}
