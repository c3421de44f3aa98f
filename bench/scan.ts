// Scan benchmark: portscope scan against nmap on the same machine in the same run, reporting ratios.
// Needs root, nmap, nft, ethtool, gcc, python3 (the lab of test/helpers/lab.ts), and a built CLI (npm run build).
// Usage: npx tsx bench/scan.ts [--runs 3] [--only NAME] [--udp]   (--udp adds the slow UDP case: about 100 s per
// tool; --only keeps the cases whose name contains NAME)
// Each TCP case runs portscope on both connect loops (PORTSCOPE_SCAN_BACKEND=native and javascript) and nmap, in
// rotating order within each run. The floors run first, rotating too: Node's start-up (`node -e 0`), portscope's
// (`--version`), a one-port scan of each tool (its fixed cost); each case's row then also gives its time less that
// fixed cost (the time its probes take: what a faster engine can still win).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { makeLab } from '../test/helpers/lab.js';

const USAGE = 'usage: npx tsx bench/scan.ts [--runs 3] [--only NAME] [--udp] [--node PATH]';
function parsedArgs() {
  try {
    return parseArgs({
      options: {
        runs: { type: 'string', default: '3' },
        only: { type: 'string' },
        udp: { type: 'boolean', default: false },
        // Runs portscope (and the Node start-up floor) on this Node instead of the one running the bench.
        node: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}; ${USAGE}\n`);
    process.exit(2);
  }
}
const { values } = parsedArgs();
if (values.help === true) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const runs = Number(values.runs);
const loads = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadAtStart = loads();
const bin = new URL('../bin/portscope.js', import.meta.url).pathname;
const node = values.node ?? process.execPath;

function time(argv: string[]): { ms: number; out: string } {
  const start = performance.now();
  const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600_000 });
  const ms = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return { ms, out: r.stdout };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const openOf = (xml: string) =>
  [...xml.matchAll(/portid="(\d+)"><state state="open"/g)]
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
    .join(',');

/** Port counts by state in an nmap XML document: listed ports plus the `extraports` summaries. */
const stateCounts = (xml: string) => {
  const counts = new Map<string, number>();
  for (const m of xml.matchAll(/<port protocol="\w+" portid="\d+"><state state="([a-z|]+)"/g))
    counts.set(m[1] ?? '', (counts.get(m[1] ?? '') ?? 0) + 1);
  for (const m of xml.matchAll(/<extraports state="([a-z|]+)" count="(\d+)"/g))
    counts.set(m[1] ?? '', (counts.get(m[1] ?? '') ?? 0) + Number(m[2]));
  return [...counts]
    .sort()
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
};

const lab = await makeLab({
  services: { tcp: { 22: 'SSH-2.0-bench', 8080: null }, http: [80], udp_echo: [53] },
  rules: ['tcp dport { 135, 445 } drop', 'udp dport 500 drop'],
  delayMs: 10,
});
const udpLab = values.udp
  ? await makeLab({ services: { udp_echo: [53] }, delayMs: 10, icmpRateLimit: true })
  : undefined;
// Node 20 reads and parses NODE_EXTRA_CA_CERTS's file as it starts (~30 ms here; nodejs/node#40524; Node 24 does
// not): when the environment sets it, the loopback case and the floors are timed without it too.
const extraCa = (process.env['NODE_EXTRA_CA_CERTS'] ?? '') !== '';
const loop = (backend: string, args: string[], withoutExtraCa = false) => [
  'env',
  ...(withoutExtraCa ? ['-u', 'NODE_EXTRA_CA_CERTS'] : []),
  `PORTSCOPE_SCAN_BACKEND=${backend}`,
  node,
  bin,
  ...args,
];
const tcpCase = (name: string, args: string[], theirs: string[], withoutExtraCa = false) => ({
  name,
  withoutExtraCa,
  ours: [loop('native', args, withoutExtraCa), loop('javascript', args, withoutExtraCa)],
  theirs,
});
const loopback = ['scan', '127.0.0.1', '-Pn', '-p1-10000', '-oX', '-'];
const nmapLoopback = ['nmap', '-sT', '-Pn', '-n', '-p1-10000', '--min-rate', '10000', '-oX', '-', '127.0.0.1'];
const cases = [
  tcpCase(
    'lab ports 1-10000, 20 ms round trip',
    ['scan', lab.address, '-Pn', '-p1-10000', '-oX', '-'],
    ['nmap', '-sT', '-Pn', '-n', '-p1-10000', '--min-rate', '10000', '-oX', '-', lab.address],
  ),
  tcpCase('loopback ports 1-10000', loopback, nmapLoopback),
  ...(extraCa ? [tcpCase('loopback ports 1-10000, without NODE_EXTRA_CA_CERTS', loopback, nmapLoopback, true)] : []),
  tcpCase(
    'loopback, all 65535 ports',
    ['scan', '127.0.0.1', '-Pn', '-p-', '-T4', '-oX', '-'],
    ['nmap', '-sT', '-Pn', '-n', '-p-', '-T4', '-oX', '-', '127.0.0.1'],
  ),
  ...(udpLab === undefined
    ? []
    : [
        {
          name: 'UDP ports 1-100 on a Linux target (ICMP rate limited)',
          withoutExtraCa: false,
          ours: [[node, bin, 'scan', udpLab.address, '-Pn', '--udp', '-p1-100', '-oX', '-']],
          theirs: ['nmap', '-sU', '-Pn', '-n', '-p1-100', '-oX', '-', udpLab.address],
        },
      ]),
];
/** The fixed costs, timed 3 x `runs` times each in rotating order. */
const floorCases = [
  { name: "Node's start-up", argv: [node, '-e', '0'] },
  { name: "portscope's start-up", argv: [node, bin, '--version'] },
  { name: 'portscope, one-port scan', argv: loop('native', ['scan', '127.0.0.1', '-Pn', '-p1', '-oX', '-']) },
  { name: 'nmap, one-port scan', argv: ['nmap', '-sT', '-Pn', '-n', '-p1', '-oX', '-', '127.0.0.1'] },
  ...(extraCa
    ? [
        {
          name: "Node's start-up without NODE_EXTRA_CA_CERTS",
          argv: ['env', '-u', 'NODE_EXTRA_CA_CERTS', node, '-e', '0'],
        },
        {
          name: 'portscope, one-port scan without NODE_EXTRA_CA_CERTS',
          argv: loop('native', ['scan', '127.0.0.1', '-Pn', '-p1', '-oX', '-'], true),
        },
      ]
    : []),
];
const floorMs = floorCases.map(() => [] as number[]);
for (let i = 0; i < runs * 3; i++) {
  floorCases.forEach((_, k) => {
    const j = (k + i) % floorCases.length;
    floorMs[j]?.push(time(floorCases[j]?.argv ?? []).ms);
  });
}
const floors = floorMs.map(median);
const [nodeStart = 0, ourStart = 0, oursFixedWithCa = 0, nmapFixed = 0, , oursFixedBare = 0] = floors;
/** portscope's one-port scan, as the case runs it (with or without NODE_EXTRA_CA_CERTS). */
const oursFixedOf = (c: { withoutExtraCa: boolean }) => (c.withoutExtraCa ? oursFixedBare : oursFixedWithCa);
const oursFixed = oursFixedWithCa;
const shown = (ms: number) => ms.toFixed(0);
const shownArgv = (argv: string[]) => {
  const bare = argv[0] === 'env' && argv[1] === '-u';
  const command =
    argv[0] === 'env'
      ? argv.slice(1).filter((a, k, all) => a !== '-u' && all[k - 1] !== '-u' && !a.includes('='))
      : argv;
  const shown = command.map((a) => (a === node ? 'node' : a === bin ? 'portscope' : a)).join(' ');
  return bare ? `${shown} (without NODE_EXTRA_CA_CERTS)` : shown;
};

const rows: string[] = [];
const json: unknown[] = [];
try {
  for (const c of cases.filter((k) => values.only === undefined || k.name.includes(values.only))) {
    const ours: number[][] = c.ours.map(() => []);
    const theirs: number[] = [];
    let agree = true as boolean; // set in a callback below
    const disagreements: string[] = []; // runs whose port states differ from nmap's
    const n = c.name.startsWith('UDP') ? 1 : runs;
    const all = [...c.ours, c.theirs];
    for (let i = 0; i < n; i++) {
      // Rotate who goes first, so that no command always runs on a warmer machine.
      const order = all.map((_, k) => all[(k + i) % all.length] ?? c.theirs);
      const results = order.map((argv) => ({ argv, ...time(argv) }));
      const nmap = results.find((r) => r.argv === c.theirs);
      if (nmap === undefined) throw new Error('lost a result');
      theirs.push(nmap.ms);
      c.ours.forEach((argv, k) => {
        const mine = results.find((r) => r.argv === argv);
        if (mine === undefined) throw new Error('lost a result');
        ours[k]?.push(mine.ms);
        const xml = mine.out.slice(mine.out.indexOf('<?xml'));
        if (openOf(xml) !== openOf(nmap.out)) agree = false;
        if (stateCounts(xml) !== stateCounts(nmap.out))
          disagreements.push(
            // The backend (argv[1] is `-u` in a row without NODE_EXTRA_CA_CERTS).
            `${argv.find((a) => a.startsWith('PORTSCOPE_')) ?? 'portscope'}: ${stateCounts(xml)} (nmap: ${stateCounts(nmap.out)})`,
          );
        if (c.name.startsWith('UDP')) {
          const states = (x: string) => [...x.matchAll(/<state state="([a-z|]+)"/g)].map((m) => m[1]).join();
          const ext = (x: string) =>
            [...x.matchAll(/<extraports state="([a-z|]+)" count="(\d+)"/g)]
              .map((m) => `${m[1] ?? ''}:${m[2] ?? ''}`)
              .join();
          rows.push(`<!-- UDP states: ours ${states(xml)} ${ext(xml)}; nmap ${states(nmap.out)} ${ext(nmap.out)} -->`);
        }
      });
    }
    const t = median(theirs);
    const o = ours.map(median);
    rows.push(
      `| ${c.name} | \`${c.theirs.slice(0, -1).join(' ')}\` | ${o.map(shown).join(' / ')} | ${shown(t)} | ${o.map((x) => (t / x).toFixed(2)).join(' / ')} | ${o.map((x) => shown(x - oursFixedOf(c))).join(' / ')} | ${shown(t - nmapFixed)} | ${agree ? 'yes' : 'NO'} | ${disagreements.length === 0 ? 'yes' : 'NO'} | ${String(n)} |`,
    );
    for (const d of disagreements) rows.push(`<!-- ${c.name}: states differ from nmap's: ${d} -->`);
    json.push({
      case: c.name,
      oursMs: ours,
      nmapMs: theirs,
      nmap: c.theirs.join(' '),
      ours: c.ours.map((argv) => argv.join(' ')),
      sameOpenPorts: agree,
      stateDisagreements: disagreements,
      oursLessFixedMs: o.map((x) => x - oursFixedOf(c)),
      nmapLessFixedMs: t - nmapFixed,
    });
  }
} finally {
  await lab.close();
  await udpLab?.close();
}
const md = [
  `# Scan benchmark (${new Date().toISOString()}, ${String(runs)} runs, medians in ms)`,
  '',
  `nmap: ${spawnSync('nmap', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? ''}; Node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
  '',
  `Load average at the start: ${loadAtStart}; at the end: ${loads()}`,
  '',
  '| case | nmap command | portscope ms (native / javascript loop) | nmap ms | nmap / portscope (native / javascript) | portscope less its one-port scan | nmap less its one-port scan | same open ports | same state counts | runs |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.filter((r) => r.startsWith('|')),
  '',
  `Floors (${String(runs * 3)} runs each, medians in ms): what each run pays before its first probe.`,
  '',
  '| floor | command | ms |',
  '|---|---|---|',
  ...floorCases.map((f, k) => `| ${f.name} | \`${shownArgv(f.argv)}\` | ${shown(floors[k] ?? 0)} |`),
  '',
  `portscope's one-port scan: ${(oursFixed / (nodeStart || 1)).toFixed(2)}x Node's start-up, ${(oursFixed / (nmapFixed || 1)).toFixed(2)}x nmap's one-port scan; ${shown(oursFixed - ourStart)} ms over \`portscope --version\`, itself ${shown(ourStart - nodeStart)} ms over \`node -e 0\`.`,
  '',
  ...rows.filter((r) => r.startsWith('<!--')),
  '',
].join('\n');
process.stdout.write(md);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/scan-latest.md', import.meta.url), md);
writeFileSync(
  new URL('./results/scan-latest.json', import.meta.url),
  `${JSON.stringify({ floors: floorCases.map((f, k) => ({ ...f, ms: floorMs[k] })), cases: json }, null, 2)}\n`,
);
