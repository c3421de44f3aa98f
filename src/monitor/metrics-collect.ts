import { readlinkSync } from 'node:fs';
import { auditListeners } from '../audit/audit.js';
import type { Policy } from '../audit/policy/types.js';
import { listSockets } from '../inventory/list-sockets.js';
import type { Backend, NetnsSelector } from '../inventory/options.js';
import { isPortscopeError } from '../errors.js';
import type { NamespaceInfo, Snapshot } from '../model/index.js';
import { readNetstat } from '../ports/doctor/netstat.js';
import { readKernelPortSettings } from '../registry/kernel-ports.js';
import { renderMetrics, type FindingCount } from './metrics-render.js';
import { sampleSnapshot, type MetricsSample } from './metrics-sample.js';

/** Options of {@link collectMetrics} and of the exporter's collections. */
export interface CollectMetricsOptions {
  /** Which network namespaces (as `listSockets`' `netns`). @default 'all' */
  readonly netns?: NetnsSelector;
  /** How to read the kernel (as `listSockets`' `backend`). @default 'auto' */
  readonly backend?: Backend;
  /**
   * Also audit the listeners against this policy (loadPolicy) on each collection and publish
   * `portscope_audit_findings{severity,kind}`. @default none: no audit, no such metric
   */
  readonly policy?: Policy;
}

/** The namespace of process `pid`, as the inode of /proc/PID/ns/net; undefined when unreadable. */
function netnsOfPid(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${String(pid)}/ns/net`));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * /proc/net/netstat of a namespace: this process's own for the host view, else /proc/PID/net/netstat of
 * an owner found in it (checked through /proc/PID/ns/net: a socket can be held from another namespace).
 * Undefined for a namespace no process of the snapshot lives in (one only a bind mount pins).
 */
function netstatOf(ns: NamespaceInfo, snapshot: Snapshot): ReadonlyMap<string, number> | undefined {
  const counters = (pid?: number) => {
    const read = readNetstat(pid);
    return read.size === 0 ? undefined : read;
  };
  if (ns.isHost) return counters();
  const tried = new Set<number>();
  for (const socket of snapshot.sockets) {
    const { netns }: { readonly netns?: number } = socket;
    if (netns !== ns.netns) continue;
    for (const { pid } of socket.owners) {
      if (tried.has(pid)) continue;
      tried.add(pid);
      if (netnsOfPid(pid) === ns.netns) return counters(pid);
    }
  }
  return undefined;
}

/**
 * Takes one sample: every socket of the chosen namespaces with owners (`listSockets`), the kernel's
 * ephemeral range (/proc/sys/net/ipv4/ip_local_port_range) and each namespace's TcpExt counters.
 * @throws PortscopeError as `listSockets` does (`INVALID_ARGUMENT`, `NOT_FOUND` for an unknown netns...).
 */
export async function sampleMetrics(options: CollectMetricsOptions = {}): Promise<MetricsSample> {
  const snapshot = await listSockets({ netns: options.netns ?? 'all', backend: options.backend ?? 'auto' });
  return sampleSnapshot(snapshot, { ephemeral: readKernelPortSettings().ephemeral, netstatOf });
}

/** Findings counted by severity and kind, sorted (bounded labels: no listener, pid or port). */
async function auditCounts(options: CollectMetricsOptions, policy: Policy): Promise<FindingCount[]> {
  const report = await auditListeners({ netns: options.netns ?? 'all', backend: options.backend ?? 'auto', policy });
  const counts = new Map<string, FindingCount>();
  for (const { severity, kind } of report.findings) {
    const key = `${severity}/${kind}`;
    counts.set(key, { severity, kind, count: (counts.get(key)?.count ?? 0) + 1 });
  }
  return [...counts.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.severity.localeCompare(b.severity));
}

/** One collection's exposition, and why it failed when `portscope_up` is 0. */
export interface Exposition {
  /** The text format (0.0.4). */
  readonly text: string;
  /** The error of a failed collection (published as `portscope_up 0`). */
  readonly error?: unknown;
}

/**
 * Collects once: the exposition, and the error when the collection failed. Bad options are thrown, not
 * published: they are the caller's mistake, not the host's state.
 * @throws PortscopeError `INVALID_ARGUMENT` for a bad option.
 */
export async function collectExposition(options: CollectMetricsOptions = {}): Promise<Exposition> {
  const started = performance.now();
  let sample: MetricsSample | undefined;
  let findings: FindingCount[] | undefined;
  let error: unknown;
  try {
    const { policy } = options;
    // The audit lists sockets again (with its own options) and reads the firewall: run both at once.
    [sample, findings] = await Promise.all([
      sampleMetrics(options),
      policy === undefined ? undefined : auditCounts(options, policy),
    ]);
  } catch (caught) {
    if (isPortscopeError(caught, 'INVALID_ARGUMENT')) throw caught;
    sample = undefined;
    findings = undefined;
    error = caught;
  }
  const durationSeconds = (performance.now() - started) / 1000;
  const text = await renderMetrics({ durationSeconds, sample, ...(findings === undefined ? {} : { findings }) });
  return sample === undefined ? { text, error } : { text };
}

/**
 * Collects once and returns the exposition in Prometheus's text format (version 0.0.4): listeners, socket
 * counts, accept queues, listen overflows and drops, `portscope_collect_duration_seconds`,
 * `portscope_up`, and with a `policy` `portscope_audit_findings` (auditListeners). A failed collection is not thrown: it is published as `portscope_up 0`, as exporters do.
 * Metric names and labels: docs/exporter.md.
 * @throws PortscopeError `INVALID_ARGUMENT` for a bad option (a malformed `netns`, `backend`).
 */
export async function collectMetrics(options: CollectMetricsOptions = {}): Promise<string> {
  return (await collectExposition(options)).text;
}
