import type * as PromClient from 'prom-client';
import type { Registry } from 'prom-client';
import { promClient } from '../lazy-require.js';
import type { Severity } from '../audit/types.js';
import type { MetricsSample } from './metrics-sample.js';

/** The content type of the exposition (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const LISTENER_LABELS = ['netns', 'protocol', 'family', 'address', 'port', 'process', 'user', 'unit', 'container'];
const QUEUE_LABELS = ['netns', 'protocol', 'address', 'port'];

/** How many audit findings of one severity and kind (`Finding.severity`, `Finding.kind`). */
export interface FindingCount {
  readonly severity: Severity;
  readonly kind: string;
  readonly count: number;
}

/** How one collection went, published beside the sample. */
export interface CollectOutcome {
  /** Wall time of the collection, in seconds. */
  readonly durationSeconds: number;
  /** The sample, or undefined when the collection failed (then `portscope_up` is 0). */
  readonly sample: MetricsSample | undefined;
  /** With a policy: the audit's findings, counted (absent without a policy or when the collection failed). */
  readonly findings?: readonly FindingCount[];
}

/**
 * Renders one collection in Prometheus's text format with prom-client. A fresh registry each time: a
 * listener that went away leaves no stale series behind, and the kernel's counters are published as read
 * (a Counter incremented once from zero by the kernel's value).
 */
export async function renderMetrics({ durationSeconds, sample, findings }: CollectOutcome): Promise<string> {
  const prom = promClient();
  const { Gauge, Registry } = prom;
  const registers = [new Registry()];
  const up = new Gauge({
    name: 'portscope_up',
    help: '1 when the last collection of sockets succeeded, else 0',
    registers,
  });
  new Gauge({
    name: 'portscope_collect_duration_seconds',
    help: 'Time the last collection of sockets, owners and counters took, in seconds',
    registers,
  }).set(durationSeconds);
  up.set(sample === undefined ? 0 : 1);
  if (sample !== undefined) fill(prom, sample, registers);
  if (findings !== undefined) {
    const audit = new Gauge({
      name: 'portscope_audit_findings',
      help: 'Findings of the audit against the --policy file, by severity and kind (docs/audit.md)',
      labelNames: ['severity', 'kind'],
      registers,
    });
    for (const { count, ...labels } of findings) audit.set({ ...labels }, count);
  }
  return registers[0]?.metrics() ?? '';
}

function fill(prom: typeof PromClient, sample: MetricsSample, registers: Registry[]): void {
  const { Counter, Gauge } = prom;
  const info = new Gauge({
    name: 'portscope_listener_info',
    help: 'A listening socket (TCP LISTEN, or UDP bound outside the ephemeral range) and who holds it; always 1',
    labelNames: LISTENER_LABELS,
    registers,
  });
  for (const labels of sample.listeners) info.set({ ...labels }, 1);
  const sockets = new Gauge({
    name: 'portscope_sockets',
    help: 'Sockets by network namespace, protocol and state',
    labelNames: ['netns', 'protocol', 'state'],
    registers,
  });
  for (const { count, ...labels } of sample.sockets) sockets.set(labels, count);
  const length = new Gauge({
    name: 'portscope_listener_accept_queue_length',
    help: 'Connections waiting to be accepted by a TCP listener (its Recv-Q)',
    labelNames: QUEUE_LABELS,
    registers,
  });
  const limit = new Gauge({
    name: 'portscope_listener_accept_queue_limit',
    help: "Maximum length of a TCP listener's accept queue (its Send-Q: the listen() backlog); sock_diag only",
    labelNames: QUEUE_LABELS,
    registers,
  });
  for (const queue of sample.acceptQueues) {
    length.set({ ...queue.labels }, queue.length);
    if (queue.limit !== undefined) limit.set({ ...queue.labels }, queue.limit);
  }
  const overflows = new Counter({
    name: 'portscope_listen_overflows_total',
    help: 'Times a full accept queue made the kernel refuse a connection (TcpExt:ListenOverflows)',
    labelNames: ['netns'],
    registers,
  });
  const drops = new Counter({
    name: 'portscope_listen_drops_total',
    help: 'Connection requests a listener dropped, overflows included (TcpExt:ListenDrops)',
    labelNames: ['netns'],
    registers,
  });
  for (const counters of sample.listenCounters) {
    overflows.inc({ netns: counters.netns }, counters.overflows);
    drops.inc({ netns: counters.netns }, counters.drops);
  }
}
