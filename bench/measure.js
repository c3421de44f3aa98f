// Times commands for bench/run.js: wall ms, peak RSS (GNU time's %M) and exit status of each run, under a
// per-command time cap (coreutils timeout: TERM at the cap, KILL 5 s later), stdout to /dev/null.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** One run of argv: `{ ms, rssMb, status }`, status being the exit code, 'timeout' or 'signal NAME'. */
export function measure(argv, capS) {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'timeout', '-k', '5', String(capS), ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const lines = r.stderr.trim().split('\n');
  const status = r.status === 124 || r.status === 137 ? 'timeout' : (r.status ?? `signal ${String(r.signal)}`);
  // The command's own last stderr line (e.g. a RangeError), not GNU time's, for the log.
  const error =
    typeof status === 'number' && status > 1 ? lines.filter((l) => !/^(\d+$|Command )/.test(l)).at(-1) : undefined;
  return { ms, rssMb: Number(lines.at(-1)) / 1024, status, error };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs each case's commands `runs` times, alternating the order each round, after `warmup` untimed rounds (as
 * hyperfine's --warmup: the first command of a case otherwise ran on caches the farm's set-up or the previous
 * case left, slower than the same command later in the run); a command that hit the cap is not run
 * again. Returns `{ case, rows: [{ command, medianMs, peakRssMb, statuses, ratio }] }` per case.
 */
export function runCases(cases, { runs, warmup = 0, capS, label, log }) {
  const results = [];
  for (const c of cases) {
    const commands = [c.ours, ...c.theirs];
    // A command that hits the cap in a warm-up round keeps that run as its one sample.
    const samples = commands.map(() => []);
    for (let i = 0; i < warmup; i++)
      for (const [k, argv] of commands.entries()) {
        if (samples[k].length > 0) continue;
        const s = measure(argv, capS);
        if (s.status === 'timeout') samples[k].push(s);
      }
    for (let i = 0; i < runs; i++) {
      const order = commands.map((_, k) => k);
      if (i % 2 === 1) order.reverse();
      for (const k of order) {
        if (samples[k].some((s) => s.status === 'timeout')) continue;
        const s = measure(commands[k], capS);
        if (s.error !== undefined) log(`${label(commands[k])}: exit ${String(s.status)}: ${s.error}\n`);
        samples[k].push(s);
      }
    }
    const rows = commands.map((argv, k) => ({
      command: label(argv),
      medianMs: median(samples[k].map((s) => s.ms)),
      peakRssMb: Math.max(...samples[k].map((s) => s.rssMb)),
      statuses: [...new Set(samples[k].map((s) => String(s.status)))].join(','),
      runs: samples[k].length,
    }));
    for (const row of rows) row.ratio = row.medianMs / rows[0].medianMs;
    results.push({ case: c.name, rows });
    log(`${c.name}: ${rows.map((r) => `${r.command} ${r.medianMs.toFixed(0)} ms [${r.statuses}]`).join(' | ')}\n`);
  }
  return results;
}

/** The machine, its load (shared: figures are indicative) and the results as a markdown table. */
export function renderTable(results, { runs, capS, notes = [] }) {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1];
  const ms = (row) => (row.statuses === 'timeout' ? `> ${String(capS * 1000)} (cap)` : row.medianMs.toFixed(0));
  // A ratio against a run cut off at the cap would be a ratio of caps: none is given.
  const ratio = (first, row) =>
    first.statuses === 'timeout' || row.statuses === 'timeout' ? '-' : row.ratio.toFixed(2);
  return [
    `Machine: ${String(cpu)}, node ${process.version}; load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${new Date().toISOString()}.`,
    `Medians of ${String(runs)} runs (fewer where a run hit the ${String(capS)} s cap: it is not repeated); exit codes as returned.`,
    ...notes,
    '',
    '| case | command | median ms | x first command of the case | peak RSS MB | exit codes (runs) |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...results.flatMap((r) =>
      r.rows.map(
        (row) =>
          `| ${r.case} | \`${row.command}\` | ${ms(row)} | ${ratio(r.rows[0], row)} | ${row.peakRssMb.toFixed(0)} | ${row.statuses} (${String(row.runs)}) |`,
      ),
    ),
  ];
}
