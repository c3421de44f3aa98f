import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan } from '../../src/index.js';
import { connectBackends } from '../helpers/connect-backends.js';
import { makeLab, type Lab } from '../helpers/lab.js';
import { canMakeNetnsFor, hasTool } from '../helpers/system.js';

const canBuildLab =
  canMakeNetnsFor('the scan lab') && ['nft', 'ethtool', 'gcc', 'python3'].every((c) => hasTool(c, 'the scan lab'));

// Every port answers (open or closed), 20 ms after its SYN: with 15 ms time-outs each first try times
// out and answers late. No port is dropped, so no socket lives long enough for the kernel to send a
// SYN again (1 s): each SYN the lab counts is one probe of the scan.
const PORTS = '20-30,8080';
const PORT_COUNT = 12;
const LATE = { ports: PORTS, ping: false, minRttTimeoutMs: 15, maxRttTimeoutMs: 15, initialRttTimeoutMs: 15 };

describe.skipIf(!canBuildLab).each(connectBackends('the scan lab retry counts'))(
  'retries counted against the SYNs a lab with a 20 ms round trip receives (%s connect loop)',
  (connectBackend) => {
    let lab: Lab;
    const syns = () => {
      const table = lab.exec(['nft', 'list', 'table', 'inet', 'lab']);
      return Number(/counter packets (\d+)/.exec(table)?.[1] ?? Number.NaN);
    };
    beforeAll(async () => {
      lab = await makeLab({
        services: { tcp: { 8080: null } },
        rules: ['tcp flags & (syn | ack) == syn counter'],
        delayMs: 10,
      });
    });
    afterAll(async () => {
      await lab.close();
    });

    it('counts only the retries sent: one socket at a time, each retry waits and a late answer drops it', async () => {
      // maxParallelism 1: the retry cannot go while its first try lingers for a late answer, which comes.
      const before = syns();
      const { ports, summary } = await runScan([lab.address], { ...LATE, connectBackend, maxParallelism: 1 });
      const received = syns() - before;
      expect(ports).toHaveLength(PORT_COUNT);
      expect(summary.probes.sent).toBe(received);
      // Every SYN past one per port is a retry or a timing ping (each first try's answer comes after its time-out).
      expect(summary.probes.retries + summary.probes.pings).toBe(received - PORT_COUNT);
    });

    it('gives each port one result when a retry held back by the scan delay is answered late by its first try', async () => {
      const before = syns();
      const { ports, summary } = await runScan([lab.address], { ...LATE, connectBackend, scanDelayMs: 30 });
      const received = syns() - before;
      expect(new Set(ports.map((p) => p.port)).size).toBe(PORT_COUNT);
      expect(ports).toHaveLength(PORT_COUNT);
      expect(summary.probes.sent).toBe(received);
      expect(summary.probes.retries + summary.probes.pings).toBe(received - PORT_COUNT);
    });
  },
);
