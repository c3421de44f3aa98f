import { performance } from 'node:perf_hooks';
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

  it('falls to its minimum when a timing ping is lost (a drop), once per stall, the threshold at in flight / 1.5', () => {
    // Times in the last second (onAnswer ends a stall at the current time).
    const t = performance.now() - 1000;
    const window = new CongestionWindow(1, 8192, 64);
    for (let i = 0; i < 400; i++) window.onAnswer();
    expect(window.size).toBe(464);
    window.onDrop(t + 100, t + 200, 300);
    expect(window.size).toBe(1);
    // The next ping is lost too: the stall goes on, one event, the window at its minimum.
    window.onDrop(t + 250, t + 350, 10);
    expect(window.size).toBe(1);
    // The stall ends: the answers it held come late, or on retries of tries lost in it. Part of its
    // event, they do not halve the window again: they grow it, as answers.
    for (let sent = 300; sent < 310; sent++) window.onLoss(t + sent, t + 900);
    expect(window.size).toBe(11);
    window.onAnswer();
    expect(window.size).toBe(12);
    // Slow start again up to 300 / 1.5 = 200, then about +1 per window.
    for (let i = 0; i < 188; i++) window.onAnswer();
    expect(window.size).toBe(200);
    for (let i = 0; i < 100; i++) window.onAnswer();
    expect(window.size).toBe(200);
    // A try sent after the stall, lost: a new loss event.
    window.onLoss(performance.now(), performance.now() + 100);
    expect(window.size).toBe(100);
  });

  it('does not grow on answers that waited in this process longer than their round trip allows', () => {
    const window = new CongestionWindow(1, 8192, 64);
    // Answers that spent 50 ms queued here (the connect loop's backlog): the process is the limit.
    for (let i = 0; i < 100; i++) window.onAnswer(0.05, 0, 0.05, 50);
    expect(window.size).toBe(64);
    // Answers read within a few ms of their round trip grow it again.
    for (let i = 0; i < 100; i++) window.onAnswer(0.05, 0, 0.05, 2);
    expect(window.size).toBe(164);
  });

  it('grows by one per answer in slow start, and never below its minimum on loss', () => {
    const window = new CongestionWindow(4, 100, 8);
    for (let i = 0; i < 4; i++) window.onAnswer();
    expect(window.size).toBe(12);
    for (let t = 1; t <= 10; t++) window.onLoss(t * 10, t * 10 + 1);
    expect(window.size).toBe(4);
  });

  // A round begins with the first answer to a probe sent after the last round began: a probe sent 1 ms ago, 2 ms on.
  const nextRoundSentAt = () => {
    const start = performance.now();
    while (performance.now() < start + 2);
    return performance.now() - 1;
  };

  it("leaves slow start when the least round trip of a round rises 1/8 above the host's least (HyStart, 4-16 ms)", () => {
    const window = new CongestionWindow(1, 8192, 64);
    // Round 1: 20-27 ms round trips, the host's least 20 ms. Slow start goes on.
    let sentAt = nextRoundSentAt();
    for (let i = 0; i < 8; i++) window.onAnswer(20 + i, sentAt, 20);
    expect(window.size).toBe(72);
    // Round 2: the least of the first 8 is 23.9 ms, under 20 + 4: slow start goes on.
    sentAt = nextRoundSentAt();
    for (let i = 0; i < 8; i++) window.onAnswer(23.9 + i, sentAt, 20);
    expect(window.size).toBe(80);
    // Round 3: the least is 24 ms, a queue builds: the threshold falls to the window, about +1 per window after.
    sentAt = nextRoundSentAt();
    for (let i = 0; i < 8; i++) window.onAnswer(24 + i, sentAt, 20);
    expect(window.size).toBe(87);
    for (let i = 0; i < 80; i++) window.onAnswer(20, sentAt, 20);
    expect(window.size).toBe(87);
    for (let i = 0; i < 10; i++) window.onAnswer(20, sentAt, 20);
    expect(window.size).toBe(88);
  });

  it("keeps slow start on loopback, where a rise of milliseconds is this process's own backlog", () => {
    const window = new CongestionWindow(1, 8192, 64);
    for (let round = 1; round <= 4; round++) {
      const sentAt = nextRoundSentAt();
      for (let i = 0; i < 8; i++) window.onAnswer(20, sentAt, 0.05);
    }
    expect(window.size).toBe(96);
  });
});
