// The benchmark: builds a farm of loopback TCP sockets (plus UDP and unix; bench/farm.js), then times
// portscope against ss, lsof and fuser side by side in one run: medians, ratios, peak RSS, exit codes.
// Needs root, cc and a build (npm run build). Sends nothing outside loopback and its own namespaces.
//   node bench/run.js [--runs 5] [--pairs 8400] [--holders 6] [--only NAME]   the 100k suite (~3 min)
//   node bench/run.js --scale 1m          1M TCP sockets, 3 runs, 120 s cap per command (~10 min idle)
//   node bench/run.js --sockets N         the 100k suite's cases at N sockets (the 1M cases from 500k)
//   node bench/run.js --namespaces 50,300 100k farm plus that many namespaces: all vs --netns host
//   node bench/run.js --base DIR [--user nobody]  100k farm, run as that user: this build vs DIR's bin/portscope.js
//   --warmup N untimed rounds before each case's timed ones (default 1; 0 with --scale 1m or --sockets >= 500k).
//   --node PATH runs portscope (and the `node -e 0` floor) on that Node binary, e.g. a Node 24's, instead of this one.
// --only runs the cases whose name contains NAME (e.g. --only owner); --cap S sets the per-command cap.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFarm } from './farm.js';
import { namespaceSet, removeStaleNamespaces } from './netns.js';
import { renderTable, runCases } from './measure.js';
import { baseCases, extraCaSet, millionCases, namespaceCases, nonRootCases } from './cases.js';

const USAGE =
  'usage: node bench/run.js [--runs N] [--cap S] [--only NAME] [--scale 1m | --sockets N] [--namespaces 50,300 | --base DIR [--user NAME]] [--holders N] [--pairs N] [--warmup N] [--node PATH]';
const fail = (message) => {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
};
let parsed;
try {
  parsed = parseArgs({
    options: {
      runs: { type: 'string' },
      pairs: { type: 'string' },
      holders: { type: 'string' },
      sockets: { type: 'string' },
      scale: { type: 'string' },
      namespaces: { type: 'string' },
      base: { type: 'string' },
      user: { type: 'string' },
      cap: { type: 'string' },
      node: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
}
if (parsed.values.help === true) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const { values } = parsed;
if (process.getuid?.() !== 0) fail('needs root (owners of every process, ip netns, sysctls): run it as root');
if (values.scale !== undefined && values.scale !== '1m') fail(`--scale ${values.scale}: expected 1m`);
const sockets = values.scale === '1m' ? 1_000_000 : values.sockets === undefined ? undefined : Number(values.sockets);
if (sockets !== undefined && !(sockets >= 1000)) fail(`--sockets ${String(values.sockets)}: expected a number >= 1000`);
const nsCounts = (values.namespaces ?? '').split(',').filter(Boolean).map(Number);
if (nsCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 1000)) fail(`--namespaces: expected counts 1-1000`);
const baseBin = values.base === undefined ? undefined : join(resolve(values.base), 'bin/portscope.js');
if (baseBin !== undefined && !existsSync(baseBin)) fail(`--base ${String(values.base)}: no bin/portscope.js there`);
if (values.user !== undefined && baseBin === undefined) fail('--user: only with --base DIR');
if (baseBin !== undefined && (nsCounts.length > 0 || sockets !== undefined))
  fail('--base: the 100k suite only, not with --namespaces, --scale or --sockets');
const node = values.node === undefined ? process.execPath : resolve(values.node);
const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
if (!/^v\d+\./.test(nodeVersion)) fail(`--node ${String(values.node)}: not a Node binary that runs`);
const user = values.user ?? 'nobody';
const big = (sockets ?? 0) >= 500_000;
const runs = Number(values.runs ?? (big ? 3 : 5));
const capS = Number(values.cap ?? (big ? 120 : 300));
const warmup = Number(values.warmup ?? (big ? 0 : 1));
if (!Number.isInteger(warmup) || warmup < 0 || warmup > 10) fail(`--warmup ${String(values.warmup)}: expected 0-10`);
const log = (text) => process.stderr.write(text);

// Clean-up that must also happen on Ctrl-C, SIGTERM or a failure: synchronous, idempotent.
const exitHooks = [];
const cleanUpSync = () => exitHooks.splice(0).forEach((h) => h());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    cleanUpSync();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}
removeStaleNamespaces();

const lifetimeMs = 1_800_000;
const farm = await startFarm({
  sockets,
  holders: values.holders === undefined ? undefined : Number(values.holders),
  pairs: values.pairs === undefined ? undefined : Number(values.pairs),
  lifetimeMs,
});
exitHooks.push(farm.restore);
// A dev server: one loopback listener in a process of its own, started after the farm, on the first free port
// from 3000 (below the farm's ports and the kernel's ephemeral range, so no farm socket shares its port).
// Other programs on the host may connect to it (port scans): a reset connection must not end it.
const devServer = spawn(
  process.execPath,
  [
    '-e',
    "const net=require('net');let p=3000;const s=net.createServer((c)=>c.on('error',()=>c.destroy()));s.on('error',()=>s.listen(++p,'127.0.0.1'));s.listen(p,'127.0.0.1',()=>console.log(p));process.stdin.on('end',()=>process.exit(0)).resume();setTimeout(()=>process.exit(0),1800e3)",
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
exitHooks.push(() => devServer.stdin.destroy());
const [devPort] = await once(createInterface({ input: devServer.stdout }), 'line');
const namespaces = namespaceSet(lifetimeMs / 1000);
exitHooks.push(namespaces.removeSync);

const bin = new URL('../bin/portscope.js', import.meta.url).pathname;
const label = (argv) => {
  const at = argv.indexOf(bin);
  if (at >= 0) return [...argv.slice(0, at - 1), 'portscope', ...argv.slice(at + 1)].join(' ');
  const base = argv.indexOf(baseBin);
  if (base >= 0) return [...argv.slice(0, base - 1), 'base portscope', ...argv.slice(base + 1)].join(' ');
  return argv.map((a) => (a === node ? 'node' : a)).join(' ');
};
const ctx = {
  bin,
  node,
  ps: (...args) => [node, bin, ...args],
  farmPort: String(farm.listeners[0].port),
  devPort,
};
const sockstat = () => readFileSync('/proc/net/sockstat', 'utf8').split('\n').slice(0, 2).join('; ');
const notes = [];
const results = [];
try {
  const setup = `farm: ${String(farm.tcpSockets)} TCP sockets in ${String(farm.pids.length)} holders, set up in ${(farm.setupMs / 1000).toFixed(1)} s (${sockstat()}); dev server on port ${devPort}`;
  log(`${setup}\n`);
  notes.push(setup + '.');
  notes.push(`portscope runs on node ${nodeVersion}${node === process.execPath ? '' : ` (${node})`}.`);
  if (extraCaSet())
    notes.push(
      `NODE_EXTRA_CA_CERTS is set (${String(process.env.NODE_EXTRA_CA_CERTS)}): Node 20 reads and parses that file as it starts, before any code runs (nodejs/node#40524; Node 24 does not); rows with \`env -u NODE_EXTRA_CA_CERTS\` are the same commands without it.`,
    );
  const select = (cases) => cases.filter((c) => c.name.includes(values.only));
  if (nsCounts.length > 0) {
    for (const count of nsCounts) {
      const t = performance.now();
      await namespaces.grow(count);
      const line = `${String(count)} network namespaces (${namespaces.names[0]}...), one listener each on 127.0.0.1:9090, set up in ${((performance.now() - t) / 1000).toFixed(1)} s`;
      log(`${line}\n`);
      notes.push(line + '.');
      results.push(...runCases(select(namespaceCases(ctx, count)), { runs, warmup, capS, label, log }));
    }
  } else if (baseBin !== undefined) {
    notes.push(`base: ${String(values.base)}; every command run as ${user} (runuser)`);
    results.push(...runCases(select(nonRootCases(ctx, baseBin, user)), { runs, warmup, capS, label, log }));
  } else if (big) {
    notes.push('`ss -tanp` is not run at this scale: it takes more than 600 s at 1M sockets.');
    notes.push('`who` is compared with `fuser` only (`lsof -iTCP:PORT` takes as long as the full `lsof` listing).');
    results.push(...runCases(select(millionCases(ctx)), { runs, warmup, capS, label, log }));
  } else {
    results.push(...runCases(select(baseCases(ctx)), { runs, warmup, capS, label, log }));
  }
} finally {
  devServer.stdin.end();
  await namespaces.remove();
  const t = performance.now();
  await farm.stop();
  log(`farm torn down in ${((performance.now() - t) / 1000).toFixed(1)} s (${sockstat()})\n`);
  cleanUpSync();
}

// The table's ratios are against each case's first row: the peers against portscope without
// NODE_EXTRA_CA_CERTS (same run) are given here.
for (const r of results) {
  const bare = r.rows.find((row) => row.command.startsWith('env -u NODE_EXTRA_CA_CERTS portscope '));
  const peers = r.rows.filter(
    (row) => !/portscope|^node |^unshare |^env /.test(row.command) && row.statuses !== 'timeout',
  );
  if (bare === undefined || bare.statuses === 'timeout' || peers.length === 0) continue;
  const against = peers.map((p) => `\`${p.command}\` ${(p.medianMs / bare.medianMs).toFixed(2)}x`).join(', ');
  notes.push(`${r.case}: against \`${bare.command}\` (${bare.medianMs.toFixed(0)} ms): ${against}.`);
}
const lines = renderTable(results, { runs, capS, notes });
const name =
  nsCounts.length > 0
    ? 'netns'
    : baseBin !== undefined
      ? 'base'
      : big
        ? 'scale-1m'
        : sockets === undefined
          ? 'latest'
          : `sockets-${String(sockets)}`;
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), JSON.stringify({ notes, results }, null, 2));
writeFileSync(new URL(`./results/${name}.md`, import.meta.url), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
