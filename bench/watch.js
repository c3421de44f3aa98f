// The cost of `watch` on a busy host: one poll (listeners-only sock_diag dump, owners cached) in CPU ms,
// and `portscope watch --interval 1s` over 30 s in % of one core, beside `while sleep 1; do ss -tlnp; done`.
// Run after `npm run build`: node bench/watch.js [--holders 3] [--pairs 10000] [--seconds 30]
// The farm (bench/farm.js) holds 2 x holders x pairs TCP sockets; 20 listeners run in a process of their own.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startFarm } from './farm.js';
import { ListenerPoller } from '../dist/monitor/poll.js';

const { values } = parseArgs({
  options: {
    holders: { type: 'string', default: '3' },
    pairs: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
    polls: { type: 'string', default: '30' },
  },
});
const seconds = Number(values.seconds);
const bin = new URL('../bin/portscope.js', import.meta.url).pathname;

/** Runs argv (it stops itself) and returns its CPU seconds, its waited-for children included (GNU time). */
function cpuOver(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const [user, system] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return user + system;
}

const started = Date.now();
const farm = await startFarm({ holders: Number(values.holders), pairs: Number(values.pairs), udp: 100, unix: 50 });
const listeners = spawn(
  process.execPath,
  [
    '-e',
    "const net=require('net');let n=0;for(let i=0;i<20;i++)net.createServer().listen(0,'127.0.3.1',()=>{if(++n===20)console.log('ready')});process.stdin.on('end',()=>process.exit(0)).resume();setTimeout(()=>process.exit(0),900e3)",
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
await once(createInterface({ input: listeners.stdout }), 'line');
try {
  const tcp = readFileSync('/proc/net/sockstat', 'utf8').split('\n')[1];
  const buildS = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `farm: ${tcp} (built in ${buildS} s); ${String(cpus().length)} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );

  // One poll, as watch does it each interval: the first one walks fds for every listener; later ones only
  // check that the known owners still exist.
  const poller = new ListenerPoller('all', ['tcp', 'udp', 'unix'], false);
  let before = process.cpuUsage();
  let t = performance.now();
  const first = await poller.poll();
  const firstCpu = process.cpuUsage(before);
  const firstMs = performance.now() - t;
  const cpuMs = [];
  const wallMs = [];
  for (let i = 0; i < Number(values.polls); i++) {
    before = process.cpuUsage();
    t = performance.now();
    await poller.poll();
    const used = process.cpuUsage(before);
    wallMs.push(performance.now() - t);
    cpuMs.push((used.user + used.system) / 1000);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(
    `poll: ${String(first.listeners.length)} listeners; first poll ${firstMs.toFixed(1)} ms wall, ${((firstCpu.user + firstCpu.system) / 1000).toFixed(1)} ms CPU; ` +
      `then median of ${values.polls}: ${median(wallMs).toFixed(1)} ms wall, ${median(cpuMs).toFixed(1)} ms CPU (this process only)\n`,
  );
  const fullStart = performance.now();
  const ss = spawnSync('ss', ['-tlnp'], { encoding: 'utf8' });
  process.stdout.write(
    `ss -tlnp once: ${(performance.now() - fullStart).toFixed(1)} ms wall (${String(ss.stdout.split('\n').length - 2)} rows)\n`,
  );
  const watch = (duration, ...more) => [
    process.execPath,
    bin,
    'watch',
    '--interval',
    '1s',
    '--duration',
    duration,
    '--no-tracepoint',
    ...more,
  ];
  const startup = cpuOver(watch('1ms', '--summary-interval', '0'));
  const pollsOnly = cpuOver(watch(`${String(seconds)}s`, '--summary-interval', '0'));
  const steady = ((pollsOnly - startup) / (seconds - 1)) * 100;
  process.stdout.write(
    `portscope watch, start-up and first poll: ${startup.toFixed(2)} s CPU; over ${String(seconds)} s with --summary-interval 0: ` +
      `${pollsOnly.toFixed(2)} s CPU, i.e. ${steady.toFixed(2)}% of a core after the start\n`,
  );
  const watchCpu = cpuOver(watch(`${String(seconds)}s`));
  const loopCpu = cpuOver(['timeout', String(seconds), 'bash', '-c', 'while sleep 1; do ss -tlnp >/dev/null; done']);
  const pct = (s) => ((100 * s) / seconds).toFixed(2);
  process.stdout.write(
    `over ${String(seconds)} s: portscope watch --interval 1s --no-tracepoint (summaries at their default interval) ${watchCpu.toFixed(2)} s CPU = ${pct(watchCpu)}% of a core (start-up included); ` +
      `while sleep 1; do ss -tlnp; done ${loopCpu.toFixed(2)} s CPU = ${pct(loopCpu)}%\n`,
  );
} finally {
  listeners.stdin.end();
  await farm.stop();
}
