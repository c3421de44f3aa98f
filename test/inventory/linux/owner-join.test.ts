import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OwnerJoin, type OwnerTarget } from '../../../src/inventory/linux/owners.js';

// A pid no process has (above the kernel's pid_max of 2^22): its holders are gone.
const GONE = 5_000_000;

/**
 * Triples (inode, pid, fd) of this test's own process: inodes 1-30 held once, 31-40 through two fds (listed
 * in the walk with the larger fd first), 41-45 by this process and a gone one, 46-50 by the gone one alone.
 */
function walk() {
  const triples: number[] = [];
  for (let inode = 1; inode <= 50; inode++) {
    if (inode <= 40) triples.push(inode, process.pid, 100 + inode);
    if (inode > 30 && inode <= 40) triples.push(inode, process.pid, 10 + inode);
    if (inode > 40) triples.push(inode, GONE, 200 + inode);
    if (inode > 40 && inode <= 45) triples.push(inode, process.pid, 300 + inode);
  }
  // Inodes spread through the walk, as a real one: the same triples in a fixed shuffled order.
  const order = Array.from({ length: triples.length / 3 }, (_v, t) => (t * 29) % (triples.length / 3));
  return { holders: Uint32Array.from(order.flatMap((t) => triples.slice(t * 3, t * 3 + 3))), denied: [], gone: [] };
}

/** What attach sets for `inode`, as plain data. */
function attached(join: OwnerJoin, inode: number) {
  const target: OwnerTarget = { inode, owners: [], ownerStatus: 'none' };
  join.attach(target);
  return { status: target.ownerStatus, owners: target.owners.map((o) => [o.pid, o.fds]) };
}

describe('OwnerJoin', () => {
  const inodes = Array.from({ length: 53 }, (_v, i) => i); // 0, the held ones, and 51-52 held by nobody

  it('gives the same owners from its first lookups (triples read in turn) as from its table by inode', () => {
    const { holders } = walk();
    expect(holders.length).toBe(65 * 3); // 1-50 once, 31-45 twice
    const indexed = new OwnerJoin(walk(), { bootTime: 0, users: new Map() });
    for (let i = 0; i < 20; i++) indexed.soleTriple(1); // past the lookups read in turn: the table is made
    const byTable = inodes.map((inode) => [attached(indexed, inode), indexed.soleTriple(inode)]);
    // A new join for each inode, so that each lookup is one of its first.
    const byScan = inodes.map((inode) => {
      const fresh = () => new OwnerJoin(walk(), { bootTime: 0, users: new Map() });
      return [attached(fresh(), inode), fresh().soleTriple(inode)];
    });
    expect(byScan).toEqual(byTable);
    const mine = process.pid;
    expect(byTable[0]).toEqual([{ status: 'none', owners: [] }, -1]);
    expect(byTable[7]?.[0]).toEqual({ status: 'ok', owners: [[mine, [107]]] });
    expect(byTable[35]?.[0]).toEqual({ status: 'ok', owners: [[mine, [45, 135]]] }); // fds ascending
    expect(byTable[35]?.[1]).toBe(-1); // two fds: not a sole triple
    expect(byTable[42]?.[0]).toEqual({ status: 'ok', owners: [[mine, [342]]] }); // the gone holder left out
    expect(byTable[48]?.[0]).toEqual({ status: 'gone', owners: [] });
    expect(byTable[52]?.[0]).toEqual({ status: 'none', owners: [] });
  });

  it("gives a process's command name alone, as its facts have it, and undefined for one that is gone", () => {
    const join = new OwnerJoin(walk(), { bootTime: 0, users: new Map() });
    const command = join.commandOf(process.pid);
    expect(command).toBe(join.factsOf(process.pid)?.command);
    expect(command?.length).toBeGreaterThan(0);
    expect(command).not.toContain('\n');
    expect(join.commandOf(GONE)).toBeUndefined();
    expect(new OwnerJoin(walk(), { bootTime: 0, users: new Map() }).commandOf(GONE)).toBeUndefined();
  });

  it('names a process once in a join, though it renames itself between commandOf and factsOf', async () => {
    // Found by review: commandOf read /proc/PID/comm, and factsOf (a row of several owners, loaded later in the
    // same listing) read it again.
    const rename = [
      'import ctypes, sys, time',
      'libc = ctypes.CDLL(None)',
      "libc.prctl(15, b'before', 0, 0, 0)",
      "print('r', flush=True)",
      'sys.stdin.readline()',
      "libc.prctl(15, b'after', 0, 0, 0)",
      "print('r', flush=True)",
      'time.sleep(30)',
    ].join('\n');
    const child = spawn('python3', ['-c', rename], { stdio: ['pipe', 'pipe', 'inherit'] });
    const line = () => new Promise((resolve) => child.stdout.once('data', resolve));
    try {
      await line();
      const pid = child.pid ?? 0;
      const join = new OwnerJoin(
        { holders: Uint32Array.of(1, pid, 3), denied: [], gone: [] },
        { bootTime: 0, users: new Map() },
      );
      const first = join.commandOf(pid);
      child.stdin.write('\n');
      await line();
      expect({ first, later: join.factsOf(pid)?.command }).toEqual({ first: 'before', later: 'before' });
      // A join that reads the facts first sees the new name, in both.
      const fresh = new OwnerJoin(
        { holders: Uint32Array.of(1, pid, 3), denied: [], gone: [] },
        { bootTime: 0, users: new Map() },
      );
      expect([fresh.factsOf(pid)?.command, fresh.commandOf(pid)]).toEqual(['after', 'after']);
    } finally {
      child.kill();
    }
  });

  it('says permission-denied for a socket no walked fd holds when some processes could not be read, either way', () => {
    const denied = { ...walk(), denied: [1] };
    const fresh = new OwnerJoin(denied, { bootTime: 0, users: new Map() });
    expect([fresh.deniedAt(52), fresh.deniedAt(7), fresh.deniedAt(0)]).toEqual([true, false, false]);
    const indexed = new OwnerJoin(denied, { bootTime: 0, users: new Map() });
    for (let i = 0; i < 20; i++) indexed.soleTriple(1);
    expect([indexed.deniedAt(52), indexed.deniedAt(7), indexed.deniedAt(0)]).toEqual([true, false, false]);
    expect(attached(indexed, 52).status).toBe('permission-denied');
  });
});
