import { PortscopeError } from '../errors.js';

/** Time-outs and retries of a scan; every time is in milliseconds. */
export interface TimingValues {
  /** Lower bound of a probe's time-out. */
  readonly minRttTimeoutMs: number;
  /** Upper bound of a probe's time-out. */
  readonly maxRttTimeoutMs: number;
  /** A probe's time-out before the first round-trip time is measured. */
  readonly initialRttTimeoutMs: number;
  /** Retransmissions allowed per probe (the actual number adapts, see the engine). */
  readonly maxRetries: number;
  /** Least wait between two probes to one host (0 = none). */
  readonly scanDelayMs: number;
  /** Most the engine may raise the scan delay to when it sees loss (UDP rate limits). */
  readonly maxScanDelayMs: number;
  /** Give up on a host after this long (0 = never). */
  readonly hostTimeoutMs: number;
  /** At most this many probes in flight at once (0 = no limit but the fd limit). */
  readonly maxParallelism: number;
}

/** nmap's defaults (-T3, normal). */
export const NORMAL_TIMING: TimingValues = {
  minRttTimeoutMs: 100,
  maxRttTimeoutMs: 10_000,
  initialRttTimeoutMs: 1000,
  maxRetries: 10,
  scanDelayMs: 0,
  maxScanDelayMs: 1000,
  hostTimeoutMs: 0,
  maxParallelism: 0,
};

/**
 * nmap's timing templates `-T0` to `-T5` (paranoid, sneaky, polite, normal, aggressive, insane),
 * with the values nmap documents for each: T0 and T1 send one probe at a time 5 min and 15 s apart,
 * T2 0.4 s apart; T4 is time-outs 100-1250 ms (500 initial), 6 retries, scan delay at most 10 ms;
 * T5 is 50-300 ms (250 initial), 2 retries, scan delay at most 5 ms, host time-out 15 min.
 */
export const TIMING_TEMPLATES: readonly TimingValues[] = [
  {
    ...NORMAL_TIMING,
    initialRttTimeoutMs: 300_000,
    maxRttTimeoutMs: 300_000,
    scanDelayMs: 300_000,
    maxScanDelayMs: 300_000,
    maxParallelism: 1,
  },
  {
    ...NORMAL_TIMING,
    initialRttTimeoutMs: 15_000,
    maxRttTimeoutMs: 15_000,
    scanDelayMs: 15_000,
    maxScanDelayMs: 15_000,
    maxParallelism: 1,
  },
  { ...NORMAL_TIMING, scanDelayMs: 400, maxScanDelayMs: 1000, maxParallelism: 1 },
  NORMAL_TIMING,
  {
    ...NORMAL_TIMING,
    minRttTimeoutMs: 100,
    maxRttTimeoutMs: 1250,
    initialRttTimeoutMs: 500,
    maxRetries: 6,
    maxScanDelayMs: 10,
  },
  {
    ...NORMAL_TIMING,
    minRttTimeoutMs: 50,
    maxRttTimeoutMs: 300,
    initialRttTimeoutMs: 250,
    maxRetries: 2,
    maxScanDelayMs: 5,
    hostTimeoutMs: 900_000,
  },
];

const NAMES = ['paranoid', 'sneaky', 'polite', 'normal', 'aggressive', 'insane'];

/**
 * Parses `-T` values: `0`-`5` or the template's name (`aggressive`).
 * @throws PortscopeError `INVALID_ARGUMENT` naming the value.
 */
export function parseTimingTemplate(text: string): number {
  const t = text.trim().toLowerCase();
  const index = /^[0-5]$/.test(t) ? Number(t) : NAMES.indexOf(t);
  if (index < 0) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected a timing template 0-5 or ${NAMES.join(', ')}, got \`${text}\``,
    );
  }
  return index;
}

/**
 * A round-trip-time estimator with RFC 6298's smoothing (SRTT += (R - SRTT)/8, RTTVAR += (|SRTT - R| -
 * RTTVAR)/4), giving time-outs of SRTT + 4 RTTVAR clamped to [min, max], as nmap does.
 */
export class RttEstimator {
  private srtt = -1;
  private rttvar = 0;
  private min = Infinity;

  constructor(
    private readonly timing: Pick<TimingValues, 'minRttTimeoutMs' | 'maxRttTimeoutMs' | 'initialRttTimeoutMs'>,
  ) {}

  /** Adds one measured round trip, in ms. */
  observe(rttMs: number): void {
    if (rttMs < this.min) this.min = rttMs;
    if (this.srtt < 0) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
      return;
    }
    this.rttvar += (Math.abs(this.srtt - rttMs) - this.rttvar) / 4;
    this.srtt += (rttMs - this.srtt) / 8;
  }

  /** The smoothed round trip in ms, or undefined before the first sample. */
  get smoothedMs(): number | undefined {
    return this.srtt < 0 ? undefined : this.srtt;
  }

  /** The least round trip measured, in ms (Infinity before the first sample). */
  get minMs(): number {
    return this.min;
  }

  /** The time-out for the next probe, in ms. */
  timeoutMs(): number {
    const { minRttTimeoutMs: min, maxRttTimeoutMs: max, initialRttTimeoutMs: initial } = this.timing;
    const raw = this.srtt < 0 ? initial : this.srtt + 4 * this.rttvar;
    return Math.min(max, Math.max(min, raw));
  }
}
