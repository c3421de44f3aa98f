import { PortscopeError } from '../errors.js';
import type { Policy } from '../audit/policy/types.js';
import type { NetnsSelector } from '../inventory/options.js';
import type { WatchOptions } from './types.js';

type WatchedProtocol = NonNullable<WatchOptions['protocols']>[number];

/** {@link WatchOptions} after validation, defaults applied. */
export interface NormalizedWatchOptions {
  readonly signal: AbortSignal | undefined;
  readonly intervalMs: number;
  readonly debounceMs: number;
  readonly summaryIntervalMs: number;
  readonly netns: NetnsSelector;
  readonly protocols: readonly WatchedProtocol[];
  readonly ephemeralUdp: boolean;
  readonly tracepoint: boolean | 'auto';
  readonly policy: Policy | undefined;
}

const PROTOCOLS: readonly WatchedProtocol[] = ['tcp', 'udp', 'udplite', 'unix', 'mptcp'];

function milliseconds(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`${name}\` to be a number of milliseconds >= ${String(min)}, got \`${String(value)}\``,
    );
  }
  return value;
}

/**
 * Validates {@link WatchOptions} once. @throws PortscopeError `INVALID_ARGUMENT` naming the option.
 */
export function normalizeWatchOptions(options: WatchOptions): NormalizedWatchOptions {
  const {
    signal,
    intervalMs = 1000,
    debounceMs = 5000,
    summaryIntervalMs = 60_000,
    netns = 'all',
    protocols = ['tcp', 'udp', 'unix'],
    ephemeralUdp = false,
    tracepoint = 'auto',
    policy,
  } = { ...options };
  if (
    !Array.isArray(protocols) ||
    protocols.length === 0 ||
    protocols.some((p: unknown) => !PROTOCOLS.includes(p as WatchedProtocol))
  ) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`protocols\` to be a non-empty array of ${PROTOCOLS.join(', ')}, got \`${JSON.stringify(protocols)}\``,
    );
  }
  if (typeof ephemeralUdp !== 'boolean') {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`ephemeralUdp\` to be a boolean, got \`${String(ephemeralUdp)}\``,
    );
  }
  if (tracepoint !== 'auto' && typeof tracepoint !== 'boolean') {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`tracepoint\` to be true, false or 'auto', got \`${String(tracepoint)}\``,
    );
  }
  if (
    typeof netns === 'number' ? !Number.isSafeInteger(netns) || netns <= 0 : typeof netns !== 'string' || netns === ''
  ) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected \`netns\` to be 'all', 'host', a namespace name or inode, got \`${String(netns)}\``,
    );
  }
  return {
    signal,
    intervalMs: milliseconds('intervalMs', intervalMs, 10),
    debounceMs: milliseconds('debounceMs', debounceMs, 0),
    summaryIntervalMs: milliseconds('summaryIntervalMs', summaryIntervalMs, 0),
    netns,
    protocols,
    ephemeralUdp,
    tracepoint,
    policy,
  };
}
