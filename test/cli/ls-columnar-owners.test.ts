import { spawnSync } from 'node:child_process';
import { readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/main.js';
import { hasNativeAddon, nativeAddon, parseFilter } from '../../src/index.js';
import { bpfUnavailable } from '../../src/inventory/linux/bpf-owners.js';
import { walkOwners } from '../../src/inventory/linux/owner-walk.js';
import { attachOwners } from '../../src/inventory/linux/owners.js';
import { joinColumnOwners } from '../../src/inventory/linux/owner-columns.js';
import { listPids } from '../../src/inventory/linux/netns.js';
import { readUsers } from '../../src/inventory/linux/passwd.js';
import { parseBootTime } from '../../src/inventory/linux/proc-stat.js';
import { readSocketColumns } from '../../src/inventory/linux/read-columns.js';
import { readSmallText } from '../../src/inventory/linux/read-proc.js';
import type { Owner, OwnerStatus, Snapshot, Socket } from '../../src/model/index.js';
import type { Fixture } from '../helpers/fixture.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { builtCli, builtCliArgv, canDropRoot, canMakeNetnsFor, worldReadableCli } from '../helpers/system.js';

const name = `psls-own-${String(process.pid)}`;
let fixture: Fixture<{ pid: number; child: number; zombie: number; other: number }> | undefined;
const addon = hasNativeAddon() ? nativeAddon() : undefined;
const bpfWhy = bpfUnavailable(addon ?? null);

/** Runs the CLI in-process; PORTSCOPE_COLUMNAR=0 forces the Socket object path. */
async function cli(args: readonly string[], objects: boolean): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    isTTY: false,
    columns: undefined,
    env: objects ? { PORTSCOPE_COLUMNAR: '0' } : {},
  });
  return { code, out, err };
}

const listOptions = () =>
  ({ protocols: ['tcp', 'udp'], filter: parseFilter(''), details: false, netns: name, owners: true }) as const;

describe.skipIf(!canMakeNetnsFor('the columnar listing with owners') || addon === undefined)(
  'ls -p from columns prints what the Socket object path prints',
  () => {
    fixtureInNetns(name, 'owner-columns.py', (started: NonNullable<typeof fixture>) => (fixture = started));

    afterEach(() => {
      vi.unstubAllEnvs();
    });

    /** The fixture's namespace by inode, for the cases that name it so (`INODE`). */
    const withInode = (args: readonly string[]) => {
      const inode = /\d+/.exec(readlinkSync(`/proc/${String(fixture?.pid)}/ns/net`))?.[0] ?? '';
      return args.map((a) => (a === 'INODE' ? inode : a));
    };
    const cases = [
      ['ls', '-tanp', '--netns', name],
      ['ls', '-tlnp', '--netns', name],
      ['ls', '-uanp', '--netns', name],
      ['ls', '-tuanp', '--netns', 'INODE'],
      ['ls', '-tanp', '--format', 'csv', '--netns', name],
      ['ls', '-tuanp', '--fields', 'local,pid,user,unit,command', '--netns', name],
      ['--netns', name],
      ['--netns', 'INODE', '--format', 'csv', '-n'],
    ];
    for (const walk of ['BPF', 'the /proc/PID/fd walk']) {
      for (const args of cases) {
        it(`${args.join(' ')}, owners from ${walk}: the same bytes, warnings and exit code both ways`, async () => {
          if (walk === 'BPF' && bpfWhy !== undefined) return; // no BPF here: the fd walk's cases still run
          if (walk !== 'BPF') vi.stubEnv('PORTSCOPE_BPF', '0');
          fixture?.assertRunning();
          const columns = await cli(withInode(args), false);
          const objects = await cli(withInode(args), true);
          expect(columns).toEqual(objects);
          expect(columns.out).toContain(String(fixture?.pid));
        });
      }
    }

    // In-process output is a string sink; a real stdout gets its rows as bytes (ChunkedOutput.addRow).
    it.skipIf(!builtCli)('ls -tuanp and portscope through a pipe, rows written as bytes: the object path bytes', () => {
      fixture?.assertRunning();
      for (const args of [
        ['ls', '-tuanp', '--netns', name],
        ['ls', '-tanp', '-Q', '--netns', name],
        ['--netns', name],
      ]) {
        const [node = '', ...argv] = builtCliArgv(...args);
        const objects = spawnSync(node, argv, { env: { ...process.env, PORTSCOPE_COLUMNAR: '0' }, timeout: 30_000 });
        expect(objects.status).toBe(0);
        expect(objects.stdout.toString()).toContain(String(fixture?.pid));
        expect(spawnSync(node, argv, { timeout: 30_000 }).stdout.toString()).toBe(objects.stdout.toString());
      }
    });

    // JSON and NDJSON with owners: the same document both ways but for the time the listing started and
    // the timers' countdown.
    const jsonCases = [
      ['ls', '-tanp', '--json', '--netns', name],
      ['ls', '-uanp', '--format', 'ndjson', '--netns', name],
      ['--netns', 'INODE', '--json'],
    ];
    const sameTime = (text: string) =>
      text.replace(/^ {2}"takenAt": "[^"]+",$/m, '').replace(/("expiresMs": ?)\d+/g, '$1');
    for (const args of jsonCases) {
      it(`${args.join(' ')}: the same document, warnings and exit code both ways`, async () => {
        fixture?.assertRunning();
        const columns = await cli(withInode(args), false);
        const objects = await cli(withInode(args), true);
        expect({ ...columns, out: sameTime(columns.out) }).toEqual({ ...objects, out: sameTime(objects.out) });
        expect(columns.out).toMatch(new RegExp(`"pid": ?${String(fixture?.pid)},`));
      });
    }

    it('JSON and NDJSON: the owner text of each process made once, with the fds of each row, the same bytes both ways', async () => {
      fixture?.assertRunning();
      for (const format of [['--json'], ['--format', 'ndjson']]) {
        const args = ['ls', '-tuanp', ...format, '--netns', name];
        const columns = await cli(args, false);
        const objects = await cli(args, true);
        expect(sameTime(columns.out)).toBe(sameTime(objects.out));
        const sockets: Socket[] =
          format[0] === '--json'
            ? (JSON.parse(columns.out) as Snapshot).sockets
            : columns.out
                .trim()
                .split('\n')
                .map((line) => JSON.parse(line) as Socket);
        // What a wrong cache of the owners' text would show: one process's rows differing only in their fds
        // (three dup fds on one socket, held with the forked child: the same command and command line), and
        // another python3 (the same command, another command line) sharing a socket with the fixture.
        const owners = sockets.flatMap((s) => s.owners);
        const [parent, child, other] = [fixture?.pid, fixture?.info.child, fixture?.info.other];
        const fdsOf = (pid?: number) => new Set(owners.filter((o) => o.pid === pid).map((o) => String(o.fds)));
        expect(fdsOf(parent).size).toBeGreaterThan(10);
        expect(fdsOf(child).size).toBeGreaterThan(3);
        const byPid = (pid?: number) => owners.find((o) => o.pid === pid);
        expect([byPid(child)?.command, byPid(child)?.cmdline]).toEqual([
          byPid(parent)?.command,
          byPid(parent)?.cmdline,
        ]);
        expect(byPid(parent)?.cmdline?.length).toBeGreaterThan(1);
        expect(byPid(other)?.command).toBe(byPid(parent)?.command);
        expect(byPid(other)?.cmdline).not.toEqual(byPid(parent)?.cmdline);
        const pids = (s: Socket) => s.owners.map((o) => `${String(o.pid)}:${String(o.fds?.length)}`).join(' ');
        expect(sockets.map(pids)).toContain(`${String(parent)}:3 ${String(child)}:3`);
        expect(sockets.map(pids)).toContain(`${String(parent)}:1 ${String(other)}:1`);
      }
    });

    it('JSON with owners is read from columns: the Snapshot carries the owners source', async () => {
      const listed = await readSocketColumns({ ...listOptions(), details: true });
      if ('fallback' in listed) throw new Error(listed.fallback);
      expect(listed.snapshot.ownerSource?.source).toBe(bpfWhy === undefined ? 'bpf' : 'procfs');
      expect(listed.owners).toBeDefined();
    });

    it('lists every owner of the fixture (dup fds, a forked child, a passed fd) and reads them from columns', async () => {
      const { out } = await cli(['ls', '-tuanp', '--netns', name], false);
      const parent = `pid=${String(fixture?.pid)}`;
      const child = `pid=${String(fixture?.info.child)}`;
      // The listener: three fds of the parent (dup), the same three inherited by the child; six entries.
      const entry = (pid: string) => `\\("python3",${pid},fd=\\d+\\)`;
      expect(out).toMatch(new RegExp(`users:\\(${entry(child)}(,${entry(child)}){2}(,${entry(parent)}){3}\\)`));
      expect(out).not.toContain(`pid=${String(fixture?.info.zombie)}`);
      for (const walk of ['bpf', 'procfs'] as const) {
        if (walk === 'procfs') vi.stubEnv('PORTSCOPE_BPF', '0');
        else if (bpfWhy !== undefined) continue;
        const listed = await readSocketColumns(listOptions());
        if ('fallback' in listed) throw new Error(listed.fallback);
        expect(listed.owners?.source?.source).toBe(walk);
        expect(listed.columns.length).toBe(out.trim().split('\n').length - 1);
      }
    });

    it.skipIf(!canDropRoot)('as nobody: the same rows (owners `?`) and the same warning both ways', () => {
      const dir = worldReadableCli();
      try {
        // Inside the namespace, where sock_diag needs no privilege: every fixture socket's owner is unreadable.
        const asNobody = (columnar: string) => {
          const command = [process.execPath, join(dir, 'bin/portscope.js'), 'ls', '-tuanp', '--netns', 'host'];
          const env = ['env', `PORTSCOPE_COLUMNAR=${columnar}`];
          const run = ['netns', 'exec', name, 'runuser', '-u', 'nobody', '--', ...env, ...command];
          return spawnSync('ip', run, { encoding: 'utf8', cwd: dir, timeout: 20_000 });
        };
        const [columns, objects] = [asNobody('1'), asNobody('0')];
        expect(columns.status).toBe(0);
        expect(columns.stdout).toBe(objects.stdout);
        expect(columns.stdout).toMatch(/ESTAB .* \?\n/);
        // The count of other users' processes is the host's, which may change between the two runs.
        const same = (text: string) => text.replace(/\d+ processes of other users/, 'N processes of other users');
        expect(same(columns.stderr)).toBe(same(objects.stderr));
        expect(columns.stderr).toMatch(/^portscope: Owners of \d+ sockets are unknown: \d+ processes of other users/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('decides owners and ownerStatus per row as attachOwners does, with a gone process and denied pids', async () => {
      const listed = await readSocketColumns({ ...listOptions(), owners: false });
      if ('fallback' in listed) throw new Error(listed.fallback);
      const { columns } = listed;
      const real = await walkOwners(listPids(), 0, null, addon ?? null, false);
      const exited = spawnSync('true').pid;
      // Row 0's socket held only by a process that exited (gone); row 1's by it too, besides its real holders;
      // row 2's by nobody (none, or permission-denied when some process could not be read).
      const [gone, shared, unheld] = [columns.inode[0], columns.inode[1], columns.inode[2]];
      const holders = [gone ?? 0, exited, 3, shared ?? 0, exited, 4];
      const found = real.walk.holders;
      for (let t = 0; t + 2 < found.length; t += 3) {
        if (found[t] !== gone && found[t] !== unheld) holders.push(found[t] ?? 0, found[t + 1] ?? 0, found[t + 2] ?? 0);
      }
      const bootTime = parseBootTime(readSmallText('/proc/stat') ?? '');
      for (const denied of [[], [exited]]) {
        const walk = { holders, denied, gone: [] };
        const rows = await joinColumnOwners(columns, Promise.resolve({ ...real, walk }), readUsers(), 0);
        const sockets = Array.from(columns.inode.subarray(0, columns.length), (inode) => ({
          inode,
          owners: [] as Owner[],
          ownerStatus: 'none',
        }));
        attachOwners(sockets as unknown as Socket[], walk, { bootTime, users: readUsers() });
        const statuses = new Set<string>();
        for (let i = 0; i < columns.length; i++) {
          const target = { inode: 0, owners: [] as Owner[], ownerStatus: 'not-requested' as OwnerStatus };
          rows.load(i, target);
          statuses.add(target.ownerStatus);
          expect(JSON.parse(JSON.stringify(target))).toEqual({ ...sockets[i], inode: 0 });
        }
        expect([...statuses].sort()).toEqual(
          denied.length > 0 ? ['gone', 'ok', 'permission-denied'] : ['gone', 'none', 'ok'],
        );
      }
    });
  },
);
