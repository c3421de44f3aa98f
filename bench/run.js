// The benchmark: builds a farm of ~100k loopback TCP sockets (plus UDP and unix), then times
// portscope against ss and lsof side by side in one run: medians of N runs, ratios, peak RSS.
// Usage: node bench/run.js [--runs 5] [--pairs 8400] [--holders 6] [--only NAME]   (needs a build: npm run build)
// --only runs the cases whose name contains NAME (e.g. --only owner).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFarm } from './farm.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    pairs: { type: 'string', default: '8400' },
    holders: { type: 'string', default: '6' },
    only: { type: 'string', default: '' },
  },
});
const runs = Number(values.runs);
const bin = new URL('../bin/portscope.js', import.meta.url).pathname;
const ps = (...args) => [process.execPath, bin, ...args];

const CASES = [
  {
    name: 'all TCP with owners',
    ours: ps('ls', '-tanp'),
    theirs: [
      ['ss', '-tanp'],
      ['lsof', '-nP', '-iTCP'],
      ['env', 'PORTSCOPE_BACKEND=procfs', ...ps('ls', '-tanp')],
      ['env', 'PORTSCOPE_BPF=0', ...ps('ls', '-tanp')],
    ],
  },
  { name: 'TCP listeners with owners', ours: ps('ls', '-tlnp'), theirs: [['ss', '-tlnp']] },
  {
    // `portscope audit` as users run it (every namespace, listeners x interfaces x firewall verdicts,
    // findings) against what a person runs to answer the same by hand: the listeners, then the ruleset.
    name: 'audit of the listeners',
    ours: ps('audit', '--json'),
    theirs: [['sh', '-c', 'ss -tlnp > /dev/null && nft list ruleset > /dev/null']],
  },
  {
    name: 'all TCP without owners',
    ours: ps('ls', '-tan'),
    theirs: [
      ['ss', '-tan'],
      ['env', 'PORTSCOPE_BACKEND=procfs', ...ps('ls', '-tan')],
    ],
  },
];

/** Wall time (ms) and peak RSS (MB) of one run, through GNU time; stdout to /dev/null. */
function measure(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const lines = r.stderr.trim().split('\n');
  if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return { ms, rssMb: Number(lines.at(-1)) / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const label = (argv) => {
  const at = argv.indexOf(bin);
  return at < 0 ? argv.join(' ') : [...argv.slice(0, at - 1), 'portscope', ...argv.slice(at + 1)].join(' ');
};

function sockstat() {
  return readFileSync('/proc/net/sockstat', 'utf8').split('\n').slice(0, 2).join('; ');
}

const farm = await startFarm({ holders: Number(values.holders), pairs: Number(values.pairs) });
// A dev server: one loopback listener in a process of its own, started after the farm; it exits after
// 30 minutes, or when this benchmark closes its stdin.
const devServer = spawn(
  process.execPath,
  [
    '-e',
    "require('net').createServer().listen(0,'127.0.0.1',function(){console.log(this.address().port)});process.stdin.on('end',()=>process.exit(0)).resume();setTimeout(()=>process.exit(0),1800e3)",
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const [devPort] = await once(createInterface({ input: devServer.stdout }), 'line');
const results = [];
try {
  const tcpCount = readFileSync('/proc/net/tcp', 'latin1').split('\n').length - 2;
  process.stderr.write(`farm ready: ${String(tcpCount)} rows in /proc/net/tcp (${sockstat()})\n`);
  // `who` on the port of one farm listener: 8,400 connections held by a process with ~17k fds, the
  // worst case for a walk that stops once every socket has an owner.
  const listener = spawnSync('ss', ['-tlnH', 'src', '127.0.2.1'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const port = /:(\d+)\s/.exec(listener)?.[1];
  if (port === undefined) throw new Error(`no farm listener found: ${listener}`);
  CASES.push({
    name: 'owner of one port',
    ours: ps('who', `${port}/tcp`),
    theirs: [
      ['fuser', '-n', 'tcp', port],
      ['lsof', '-nP', `-iTCP:${port}`],
      ['env', 'PORTSCOPE_BPF=0', ...ps('who', `${port}/tcp`)],
    ],
  });
  CASES.push({
    name: 'owner of one port (a dev server)',
    ours: ps('who', `${devPort}/tcp`),
    theirs: [
      ['fuser', '-n', 'tcp', devPort],
      ['lsof', '-nP', `-iTCP:${devPort}`],
      ['env', 'PORTSCOPE_BPF=0', ...ps('who', `${devPort}/tcp`)],
    ],
  });
  for (const c of CASES.filter((x) => x.name.includes(values.only))) {
    const commands = [c.ours, ...c.theirs];
    const samples = commands.map(() => []);
    for (let i = 0; i < runs; i++) {
      // Alternate the order each round so that neither side always runs on a warm cache.
      const order = commands.map((_, k) => k);
      if (i % 2 === 1) order.reverse();
      for (const k of order) samples[k].push(measure(commands[k]));
    }
    const rows = commands.map((argv, k) => ({
      command: label(argv),
      medianMs: median(samples[k].map((s) => s.ms)),
      peakRssMb: Math.max(...samples[k].map((s) => s.rssMb)),
    }));
    const ours = rows[0].medianMs;
    for (const row of rows) row.ratio = row.medianMs / ours;
    results.push({ case: c.name, rows });
    process.stderr.write(`${c.name}: ${rows.map((r) => `${r.command} ${r.medianMs.toFixed(0)} ms`).join(' | ')}\n`);
  }
} finally {
  devServer.stdin.end();
  await farm.stop();
}

const lines = [
  `Machine: ${String(readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1])}, node ${process.version}, ${String(runs)} runs each, medians.`,
  '',
  '| case | command | median ms | x slower than portscope | peak RSS MB |',
  '| --- | --- | ---: | ---: | ---: |',
  ...results.flatMap((r) =>
    r.rows.map(
      (row) =>
        `| ${r.case} | \`${row.command}\` | ${row.medianMs.toFixed(0)} | ${row.ratio.toFixed(2)} | ${row.peakRssMb.toFixed(0)} |`,
    ),
  ),
];
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(results, null, 2));
writeFileSync(new URL('./results/latest.md', import.meta.url), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
