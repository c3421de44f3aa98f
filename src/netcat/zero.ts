import { PortscopeError } from '../errors.js';
import type { PortResult } from '../scan/result.js';
import { runScan } from '../scan/run-scan.js';

/** Options of {@link checkPorts}. */
export interface CheckPortsOptions {
  /** @default 'tcp' */
  readonly protocol?: 'tcp' | 'udp';
  /**
   * How long one probe waits for an answer, in ms, fixed (a silent port gets one retry).
   * @default the scan engine's own timing (RTT-adaptive time-outs and retries, as `portscope scan`)
   */
  readonly timeoutMs?: number;
  /** Most probes in flight. @default 100 */
  readonly concurrency?: number;
  /** Only IPv4 or only IPv6 addresses of a name. */
  readonly family?: 4 | 6;
  /** Stops the check; rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/**
 * `nc -z`: checks ports of one host without sending data (TCP: a connect, then a reset; UDP: one
 * datagram with a protocol payload where one is known, else empty). States as nmap defines them:
 * TCP `open` (handshake completed), `closed` (RST), `filtered` (no answer in time, or ICMP
 * unreachable); UDP `closed` (ICMP port unreachable, seen as ECONNREFUSED on the connected socket),
 * `open` (an answer), `open|filtered` (silence: a UDP port cannot be called open without one).
 * Runs portscope's scan engine with host discovery off, except for UDP with the engine's own timing:
 * then discovery runs first to measure a round trip (a host that does not answer is checked anyway).
 * @param ports an nmap port list: `22`, `20-30`, `22,80,443`.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad ports or options), `NOT_FOUND` (host does not
 * resolve), `ABORTED`.
 */
export async function checkPorts(host: string, ports: string, options: CheckPortsOptions = {}): Promise<PortResult[]> {
  const { timeoutMs } = options;
  const concurrency = options.concurrency ?? 100;
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 1)) {
    throw new PortscopeError('INVALID_ARGUMENT', `Expected timeoutMs >= 1, got \`${String(timeoutMs)}\``);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected concurrency to be an integer >= 1, got \`${String(concurrency)}\``,
    );
  }
  const protocol = options.protocol ?? 'tcp';
  const run = (ping: boolean) =>
    runScan([host], {
      ports,
      protocols: [protocol],
      ping,
      ...(timeoutMs === undefined
        ? {}
        : { initialRttTimeoutMs: timeoutMs, minRttTimeoutMs: timeoutMs, maxRttTimeoutMs: timeoutMs, maxRetries: 1 }),
      maxParallelism: concurrency,
      ...(options.family === undefined ? {} : { family: options.family }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  // A silent UDP port teaches the engine no round-trip time, so without one it waits its initial
  // time-out (1 s) and retries: ~3 s a port. Host discovery first (as `portscope scan -sU`) measures
  // one; a host that does not answer it is checked anyway (as nmap's -Pn).
  if (protocol === 'udp' && timeoutMs === undefined) {
    const report = await run(true);
    if (report.hosts.some((h) => h.status === 'up')) return report.ports;
  }
  return (await run(false)).ports;
}
