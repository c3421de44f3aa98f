import { afterEach, describe, expect, it } from 'vitest';
import { killPort, planKill, type KillReport } from '../../src/index.js';
import { relationOf } from '../../src/ports/kill-relation.js';
import { processNow } from '../../src/ports/process-check.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

interface KillableInfo {
  port: number;
  pid: number;
}

const killable = new URL('../helpers/killable.py', import.meta.url).pathname;
const running: Fixture<KillableInfo>[] = [];
/** Children a respawning fixture forked: ours to stop at the end. */
const orphans = new Set<number>();

/** Starts test/helpers/killable.py; `setsid` puts it in a process group of its own. */
async function start(mode: string, setsid = false): Promise<Fixture<KillableInfo>> {
  const f = setsid
    ? await startFixture<KillableInfo>('setsid', ['python3', killable, mode])
    : await startFixture<KillableInfo>('python3', [killable, mode]);
  running.push(f);
  return f;
}

const target = (f: Fixture<KillableInfo>) => `127.0.0.1:${String(f.info.port)}`;
const isAlive = (pid: number) => {
  const now = processNow(pid);
  return now !== undefined && now.state !== 'Z';
};

afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
  for (const pid of orphans) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  orphans.clear();
});

describe('killPort looks at the port again after the signals', () => {
  it('reports a child forked on SIGTERM that keeps the listener: not free, the child named', async () => {
    const f = await start('respawn');
    const report = await killPort(target(f));
    for (const h of report.newHolders) orphans.add(h.owner.pid);
    expect(report.results).toMatchObject([{ pid: f.pid, outcome: 'terminated', round: 0 }]);
    expect(report.portFree).toBe(false);
    expect(report.newHolders).toHaveLength(1);
    const child = report.newHolders[0];
    expect(child).toMatchObject({ relation: 'child', relatedTo: f.pid, owner: { command: 'python3' } });
    expect(child?.owner.pid).not.toBe(f.pid);
    expect(isAlive(child?.owner.pid ?? 0)).toBe(true);
  });

  it('goes on through the new holder with untilFree, and reports the port free', async () => {
    const f = await start('respawn');
    const report = await killPort(target(f), { untilFree: true, timeoutMs: 5000 });
    for (const r of report.results) orphans.add(r.pid);
    expect(report.results).toHaveLength(2);
    expect(report.results[0]).toMatchObject({ pid: f.pid, outcome: 'terminated', round: 0 });
    expect(report.results[1]).toMatchObject({ outcome: 'terminated', round: 1, relation: 'child', relatedTo: f.pid });
    expect(report).toMatchObject({ portFree: true, newHolders: [] });
    expect(isAlive(report.results[1]?.pid ?? 0)).toBe(false);
    expect((await planKill([target(f)])).candidates).toEqual([]);
  });

  it('tells a holder in the process group of the signalled one from an unrelated one', async () => {
    const signalled = await start('term');
    const sameGroup = await start('term');
    const alone = await start('term', true);
    const plan = await planKill([target(signalled), target(sameGroup), target(alone)]);
    const byPid = new Map(plan.candidates.map((c) => [c.owner.pid, c]));
    const of = (f: Fixture<KillableInfo>) => {
      const c = byPid.get(f.pid);
      if (c === undefined) throw new Error(`no candidate for ${String(f.pid)}`);
      return c;
    };
    const signalledMap = new Map([[signalled.pid, of(signalled)]]);
    expect(relationOf(of(sameGroup), signalledMap, new Map())).toEqual({
      relation: 'process-group',
      relatedTo: signalled.pid,
    });
    expect(relationOf(of(alone), signalledMap, new Map())).toEqual({ relation: 'unrelated' });
  });

  it('does not look again when nobody waited (timeout 0)', async () => {
    const f = await start('term');
    const report = await killPort(target(f), { timeoutMs: 0 });
    expect(report.results).toMatchObject([{ outcome: 'signalled' }]);
    expect(report.portFree).toBeUndefined();
  });
});

describe('portscope kill on a port that is taken again', () => {
  it('exits 1 and names the child that holds it now; --until-free stops it too and exits 0', async () => {
    const f = await start('respawn');
    const held = await cli(['kill', '-y', target(f)]);
    const child = /pid (\d+) \(python3, child of (\d+)\)/.exec(held.stderr);
    if (child?.[1] !== undefined) orphans.add(Number(child[1]));
    expect(held.code).toBe(1);
    expect(held.stdout).toMatch(new RegExp(`${String(f.pid)}\\s+python3\\s+terminated\\s+SIGTERM`));
    expect(held.stderr).toBe(
      `portscope: ${target(f)} is still held after the signals: pid ${child?.[1] ?? '?'} (python3, child of ${String(f.pid)}); pass --until-free to stop new holders too\n`,
    );
    const g = await start('respawn');
    const freed = await cli(['kill', '-y', '--until-free', '--json', target(g)]);
    const report = JSON.parse(freed.stdout) as KillReport;
    for (const r of report.results) orphans.add(r.pid);
    expect(freed.code).toBe(0);
    expect(report.results.map((r) => [r.round, r.outcome, r.relation ?? null])).toEqual([
      [0, 'terminated', null],
      [1, 'terminated', 'child'],
    ]);
    expect(report.results[1]?.relatedTo).toBe(g.pid);
    expect(report.portFree).toBe(true);
  });
});
