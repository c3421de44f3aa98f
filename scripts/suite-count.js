#!/usr/bin/env node
// Counts the peer-suite cases (test/netcat/suite-*.test.ts) from a vitest JSON report, so that the
// counts in docs/netcat.md are computed, not written by hand:
//   npx vitest run test/netcat/suite-ncat-*.test.ts --outputFile.json=ncat.json
//   node scripts/suite-count.js ncat ncat.json        (or: openbsd obsd.json)
// The peers' cases are test/netcat/suite-cases.json (names, with ncat-test.pl's duplicates); a
// vitest case counts for the peer case it is named after. The name convention: the peer's name,
// optionally followed by " [variant]" to tell apart the peer's cases of the same name; a vitest
// name without the peer's "(tcp)" style suffix counts for each such variant of that name.
// Skip reasons come from test/netcat/suite-skips.json (by vitest name).
import { readFileSync } from 'node:fs';

const [tool, report] = process.argv.slice(2);
if ((tool !== 'ncat' && tool !== 'openbsd') || report === undefined) {
  process.stderr.write('usage: node scripts/suite-count.js ncat|openbsd REPORT.json\n');
  process.exit(2);
}
const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const cases = read(new URL('../test/netcat/suite-cases.json', import.meta.url))[tool];
const skips = read(new URL('../test/netcat/suite-skips.json', import.meta.url))[tool];
const prefix = tool === 'ncat' ? /suite-ncat-/ : /suite-openbsd/;

/** vitest results of the suite's files: name -> status (passed, failed, skipped, pending, todo). */
const results = [];
for (const file of read(report).testResults) {
  if (!prefix.test(file.name)) continue;
  for (const t of file.assertionResults) results.push({ name: t.title, status: t.status });
}

/** The peer name a vitest name stands for: without its " [variant]" suffix. */
const peerName = (name) => name.replace(/ \[(?:[^[\]]|\[[^\]]*\])*\]$/, '');
const byPeer = new Map();
for (const r of results) {
  const key = peerName(r.name);
  byPeer.set(key, [...(byPeer.get(key) ?? []), r]);
}
const targetNames = new Set(cases.map(([name]) => name));
/** Vitest cases named without a variant suffix stand for all variants "NAME (...)". */
for (const [key, list] of byPeer) {
  if (targetNames.has(key)) continue;
  for (const name of targetNames)
    if (name.startsWith(`${key} (`) && !byPeer.has(name))
      byPeer.set(
        name,
        list.map((r) => ({ ...r, shared: true })),
      );
}

const count = { peer: cases.length, notTarget: {}, target: 0, written: 0, passed: 0, failed: 0, skipped: {} };
const missing = [];
const used = new Map();
const bump = (o, k) => (o[k] = (o[k] ?? 0) + 1);
for (const [name, kind] of cases) {
  if (kind !== 'target') {
    bump(count.notTarget, kind);
    continue;
  }
  count.target++;
  const list = byPeer.get(name) ?? [];
  const at = used.get(name) ?? 0;
  const r = list[list[0]?.shared ? 0 : at];
  used.set(name, at + 1);
  if (r === undefined) {
    missing.push(name);
    continue;
  }
  count.written++;
  if (r.status === 'passed') count.passed++;
  else if (r.status === 'failed') count.failed++;
  else bump(count.skipped, skips[r.name]?.[0] ?? 'skipped in its file (reason in a comment there)');
}
process.stdout.write(`${JSON.stringify(count, null, 1)}\n`);
if (missing.length > 0) process.stdout.write(`not written (${String(missing.length)}):\n  ${missing.join('\n  ')}\n`);
