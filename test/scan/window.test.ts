import { describe, expect, it } from 'vitest';
import { CongestionWindow } from '../../src/scan/window.js';

describe('the congestion window', () => {
  it('halves once per loss event: probes sent before the last halving do not halve it again', () => {
    const window = new CongestionWindow(1, 8192, 512);
    // A burst of 512 probes sent at t=0..5 ms; their losses are seen from t=100 ms on.
    window.onLoss(0, 100);
    expect(window.size).toBe(256);
    for (let sent = 1; sent <= 5; sent++) window.onLoss(sent, 100 + sent);
    expect(window.size).toBe(256);
    // A probe sent after that halving and lost too: a new loss event.
    window.onLoss(150, 300);
    expect(window.size).toBe(128);
  });

  it('grows by one per answer in slow start, and never below its minimum on loss', () => {
    const window = new CongestionWindow(4, 100, 8);
    for (let i = 0; i < 4; i++) window.onAnswer();
    expect(window.size).toBe(12);
    for (let t = 1; t <= 10; t++) window.onLoss(t * 10, t * 10 + 1);
    expect(window.size).toBe(4);
  });
});
