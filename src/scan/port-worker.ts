// A worker thread of a port scan (see port-workers.ts): runs one lane of the port phase and posts
// its results to the main thread in batches.
import { parentPort, workerData } from 'node:worker_threads';
import { openConnect } from './connect-backend.js';
import { newEngineStats } from './engine.js';
import { newHostState } from './host-state.js';
import { runPortPhase } from './port-phase.js';
import type { PortWorkerData, PortWorkerMessage } from './port-workers.js';
import { udpDatagramProbe } from './probes/udp-datagram.js';
import type { PortResult } from './result.js';
import { CongestionWindow } from './window.js';

// This thread only probes: Node builds an Error, stack included, for every refused connect, and
// the stacks are never read. Per thread, so the main thread keeps its stacks.
Error.stackTraceLimit = 0;

const port = parentPort;
if (port === null) throw new Error('port-worker.js runs as a worker thread');
const data = workerData as PortWorkerData;
const post = (message: PortWorkerMessage) => {
  port.postMessage(message);
};
const controller = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'abort') controller.abort();
});

const hosts = data.hosts.map(({ target, srttMs, maxSuccessfulTry }) => {
  const host = newHostState(target, data.timing);
  if (srttMs !== undefined) host.rtt.observe(srttMs);
  host.maxSuccessfulTry = maxSuccessfulTry;
  return host;
});
const stats = newEngineStats();
const window = new CongestionWindow(1, data.windowLimit, data.initialWindow);
// One connect thread per worker: the workers are the scan's parallelism already.
const connect = openConnect(
  data.connectBackend,
  hosts.map((h) => h.target),
  1,
);
let batch: PortResult[] = [];
const flush = () => {
  if (batch.length === 0) return;
  post({ type: 'results', results: batch });
  batch = [];
};
const ticker = setInterval(() => {
  flush();
  post({ type: 'stats', stats, window: window.size });
}, 50);
try {
  await runPortPhase({
    hosts,
    ports: data.ports,
    seed: data.seed,
    ...(data.shard === undefined ? {} : { shard: data.shard }),
    lane: data.lane,
    serviceNames: data.serviceNames,
    engine: {
      timing: data.timing,
      window,
      probes: { tcp: connect.probe, udp: udpDatagramProbe },
      signal: controller.signal,
      stats,
      ...(data.minRate === undefined ? {} : { minRate: data.minRate }),
      ...(data.maxRate === undefined ? {} : { maxRate: data.maxRate }),
    },
    onResult: (result) => {
      batch.push(result);
      if (batch.length >= 1024) flush();
    },
    onHostTimeout: (host) => {
      flush();
      post({ type: 'host-timeout', address: host.target.address });
    },
  });
} finally {
  connect.close();
  clearInterval(ticker);
  flush();
}
post({ type: 'done', stats });
