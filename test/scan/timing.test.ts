import { describe, expect, it } from 'vitest';
import { RttEstimator, TIMING_TEMPLATES, parseTimingTemplate } from '../../src/index.js';

describe('timing', () => {
  it('has nmap values for -T4 and -T5', () => {
    expect(TIMING_TEMPLATES[4]).toMatchObject({
      minRttTimeoutMs: 100,
      maxRttTimeoutMs: 1250,
      initialRttTimeoutMs: 500,
      maxRetries: 6,
      maxScanDelayMs: 10,
    });
    expect(TIMING_TEMPLATES[5]).toMatchObject({
      minRttTimeoutMs: 50,
      maxRttTimeoutMs: 300,
      initialRttTimeoutMs: 250,
      maxRetries: 2,
      hostTimeoutMs: 900_000,
    });
    expect(TIMING_TEMPLATES[3]).toMatchObject({
      minRttTimeoutMs: 100,
      maxRttTimeoutMs: 10_000,
      initialRttTimeoutMs: 1000,
      maxRetries: 10,
    });
    expect(parseTimingTemplate('aggressive')).toBe(4);
    expect(parseTimingTemplate('2')).toBe(2);
    expect(() => parseTimingTemplate('6')).toThrow(/Expected a timing template 0-5/);
  });

  it('times out at SRTT + 4 RTTVAR, clamped, and starts at the initial time-out', () => {
    const rtt = new RttEstimator({ minRttTimeoutMs: 100, maxRttTimeoutMs: 1000, initialRttTimeoutMs: 700 });
    expect(rtt.timeoutMs()).toBe(700);
    rtt.observe(20); // SRTT 20, RTTVAR 10 -> 60, below the floor
    expect(rtt.timeoutMs()).toBe(100);
    for (let i = 0; i < 50; i++) rtt.observe(400);
    expect(rtt.smoothedMs).toBeCloseTo(400, 0);
    expect(rtt.timeoutMs()).toBeGreaterThanOrEqual(400);
    rtt.observe(5000);
    expect(rtt.timeoutMs()).toBe(1000);
  });
});
