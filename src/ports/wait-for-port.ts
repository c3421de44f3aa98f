import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PortscopeError } from '../errors.js';
import { listSockets } from '../inventory/list-sockets.js';
import type { Backend } from '../inventory/index.js';
import { addressesOf, connectOnce, type AddressAttempt } from './connect-probe.js';
import { requestOnce } from './http-probe.js';
import { isPortFree } from './find-free-port.js';
import { parseWaitTarget, type WaitTarget } from './wait-target.js';
import { coversHost } from './who-owns.js';

/**
 * What to wait for:
 * - `open`: a TCP (or unix stream) connect succeeds, to any address of the host; for an `http://` or
 *   `https://` target, a HEAD request for the URL gets a response, whatever its status;
 * - `closed`: no address accepts a connect any more;
 * - `listening`: this machine's inventory shows a listener that takes the host's traffic (no connect is made);
 * - `free`: a new listener could bind it (see isPortFree); for a unix path, no file is there.
 */
export type WaitCondition = 'open' | 'closed' | 'listening' | 'free';

/** Options of {@link waitForPort}. */
export interface WaitForPortOptions {
  /** @default 'open' */
  readonly until?: WaitCondition;
  /** Give up after this many milliseconds in all; 0 waits for ever. @default 30000 */
  readonly timeoutMs?: number;
  /** The longest pause between attempts, in milliseconds; pauses start at 50 ms and double. @default 1000 */
  readonly intervalMs?: number;
  /** The longest one connect attempt may take, in milliseconds. @default 1000 */
  readonly connectTimeoutMs?: number;
  /** Stops waiting: the promise rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
  /** Kernel reader for `listening` and `free` (see listSockets). @default 'auto' */
  readonly backend?: Backend;
}

/** One target that became ready. */
export interface WaitResult {
  /** The target as given (`localhost:3000`, `unix:/run/app.sock`). */
  readonly target: string;
  readonly until: WaitCondition;
  /** `open`: the address that accepted; `listening`: the listener's local address. */
  readonly address?: string;
  /** `open` on an `http://` or `https://` target: the status of the response that made it ready. */
  readonly status?: number;
  /** How many checks were made, the successful one included. */
  readonly attempts: number;
  /** From the call to readiness, in milliseconds. */
  readonly elapsedMs: number;
}

interface Check {
  readonly ready: boolean;
  readonly address?: string;
  readonly status?: number;
  /** What the last check saw, for the timeout message: `127.0.0.1 refused, ::1 refused`. */
  readonly seen: string;
}

const FIRST_PAUSE_MS = 50;
/** Every {@link WaitCondition}, in the order of the docs. */
export const WAIT_CONDITIONS: readonly WaitCondition[] = ['open', 'closed', 'listening', 'free'];

function describe(attempts: readonly AddressAttempt[]): string {
  const said = (a: AddressAttempt) =>
    a.status !== undefined
      ? `answered ${String(a.status)}`
      : a.outcome === 'open'
        ? 'accepted'
        : (a.errno ?? a.outcome);
  return attempts.map((a) => `${a.address} ${said(a)}`).join(', ');
}

async function connectAll(target: WaitTarget, timeoutMs: number, signal?: AbortSignal): Promise<AddressAttempt[]> {
  if (target.kind === 'unix') return [await connectOnce({ path: target.path }, timeoutMs, signal)];
  const addresses = await addressesOf(target.host);
  const url = target.url === undefined ? undefined : new URL(target.url);
  return Promise.all(
    addresses.map((address) =>
      url === undefined
        ? connectOnce({ address, port: target.port }, timeoutMs, signal)
        : requestOnce(url, address, timeoutMs, signal),
    ),
  );
}

async function check(
  target: WaitTarget,
  until: WaitCondition,
  connectMs: number,
  options: WaitForPortOptions,
): Promise<Check> {
  const backend = options.backend === undefined ? {} : { backend: options.backend };
  if (until === 'open' || until === 'closed') {
    const attempts = await connectAll(target, connectMs, options.signal);
    const open = attempts.find((a) => a.outcome === 'open');
    const seen =
      attempts.length === 0
        ? `${target.kind === 'tcp' ? (target.host ?? '') : ''} does not resolve`
        : describe(attempts);
    if (until === 'open') {
      if (open === undefined) return { ready: false, seen };
      return {
        ready: true,
        address: open.address,
        seen,
        ...(open.status === undefined ? {} : { status: open.status }),
      };
    }
    return { ready: open === undefined, seen };
  }
  if (target.kind === 'unix') {
    if (until === 'free') return { ready: !existsSync(target.path), seen: `${target.path} exists` };
    const { sockets } = await listSockets({ protocols: ['unix'], owners: false, netns: 'host', ...backend });
    const listener = sockets.find((s) => s.state === 'LISTEN' && s.local.address === target.path);
    return { ready: listener !== undefined, address: target.path, seen: `nothing listens on ${target.path}` };
  }
  const hosts =
    target.host === undefined ? [undefined] : isIP(target.host) !== 0 ? [target.host] : await addressesOf(target.host);
  if (until === 'free') {
    for (const host of hosts) {
      if (!(await isPortFree(target.port, { ...(host === undefined ? {} : { host }), ...backend }))) {
        return { ready: false, seen: `${host ?? 'port'} ${String(target.port)} is in use` };
      }
    }
    return { ready: true, seen: '' };
  }
  // No owners: a poll every 50 ms must not walk every process's fds.
  const { sockets } = await listSockets({
    protocols: ['tcp'],
    owners: false,
    netns: 'host',
    filter: { type: 'port', side: 'local', op: '=', port: target.port },
    ...backend,
  });
  const listener = sockets.find((s) => s.state === 'LISTEN' && hosts.some((h) => h === undefined || coversHost(s, h)));
  return listener === undefined
    ? { ready: false, seen: `no listener on ${target.text}` }
    : { ready: true, address: listener.local.address, seen: '' };
}

function checkOptions(options: WaitForPortOptions) {
  const until = options.until ?? 'open';
  if (!WAIT_CONDITIONS.includes(until)) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected until to be one of ${WAIT_CONDITIONS.join(', ')}, got \`${until as string}\``,
    );
  }
  const number = (value: number | undefined, fallback: number, name: string, min: number) => {
    const n = value ?? fallback;
    if (!Number.isFinite(n) || n < min) {
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected ${name} to be a number of milliseconds >= ${String(min)}, got \`${String(n)}\``,
      );
    }
    return n;
  };
  return {
    until,
    timeoutMs: number(options.timeoutMs, 30_000, 'timeoutMs', 0),
    intervalMs: number(options.intervalMs, 1000, 'intervalMs', 1),
    connectTimeoutMs: number(options.connectTimeoutMs, 1000, 'connectTimeoutMs', 1),
  };
}

function aborted(target: string): PortscopeError {
  return new PortscopeError('ABORTED', `Stopped waiting for ${target}: aborted`);
}

async function waitOne(
  target: WaitTarget,
  options: WaitForPortOptions,
  settings: ReturnType<typeof checkOptions>,
  started: number,
): Promise<WaitResult> {
  const { until, timeoutMs, intervalMs, connectTimeoutMs } = settings;
  const deadline = timeoutMs === 0 ? Infinity : started + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  for (let attempts = 1; ; attempts++) {
    if (options.signal?.aborted === true) throw aborted(target.text);
    const remaining = deadline - performance.now();
    const result = await check(target, until, Math.max(1, Math.min(connectTimeoutMs, remaining)), options);
    if (result.ready) {
      return {
        target: target.text,
        until,
        ...(result.address === undefined ? {} : { address: result.address }),
        ...(result.status === undefined ? {} : { status: result.status }),
        attempts,
        elapsedMs: Math.round(performance.now() - started),
      };
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new PortscopeError(
        'TIMEOUT',
        `Timed out after ${String(timeoutMs)} ms waiting for ${target.text} to be ${until} (${String(attempts)} attempts; last: ${result.seen})`,
      );
    }
    try {
      await sleep(Math.min(pause, left), undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch {
      throw aborted(target.text);
    }
    pause = Math.min(pause * 2, intervalMs);
  }
}

/**
 * Waits until every target is ready (see {@link WaitCondition}), checking each with a back-off
 * from 50 ms up to `intervalMs`, for at most `timeoutMs` in all. Names are resolved on every
 * attempt (dns.lookup) and every address is tried, so `localhost` answers whether the server took
 * 127.0.0.1 or ::1. Sends traffic only to the targets given; `listening` and `free` make no
 * connection (from listSockets: sock_diag or /proc/net, and a bind probe for `free`).
 *
 * @param targets `host:port`, `[::1]:port`, `:port` (this machine), `unix:/path`, `tcp:host:port`,
 *   `http://...`, `https://...`, or parsed {@link WaitTarget}s.
 * @returns One result per target, in the order given.
 * @throws PortscopeError `INVALID_ARGUMENT` (bad target or option), `TIMEOUT` (names the targets not ready
 *   and what was last seen), `ABORTED` (the signal fired).
 */
export async function waitForPort(
  targets: string | WaitTarget | readonly (string | WaitTarget)[],
  options: WaitForPortOptions = {},
): Promise<WaitResult[]> {
  const list = (Array.isArray(targets) ? targets : [targets]) as readonly (string | WaitTarget)[];
  const parsed = list.map((t) => (typeof t === 'string' ? parseWaitTarget(t) : t));
  if (parsed.length === 0) throw new PortscopeError('INVALID_ARGUMENT', 'Expected at least one target, got none');
  const settings = checkOptions(options);
  const started = performance.now();
  const outcomes = await Promise.allSettled(parsed.map((t) => waitOne(t, options, settings, started)));
  const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason as unknown);
  const [first] = failures;
  if (first === undefined) return outcomes.map((o) => (o as PromiseFulfilledResult<WaitResult>).value);
  // waitOne throws Errors only (PortscopeErrors of its own, or from listSockets).
  if (!(first instanceof PortscopeError) || failures.length === 1) throw first as Error;
  const messages = failures.map((f) => (f as Error).message);
  throw new PortscopeError(first.code, messages.join('; '));
}
