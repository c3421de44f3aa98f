import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket as NetSocket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasNativeAddon } from '../../src/index.js';
import { readSocketColumns } from '../../src/inventory/linux/read-columns.js';
import { parsePortTarget } from '../../src/ports/target.js';
import { whoListOptions, whoOwns } from '../../src/ports/who-owns.js';
import { cli } from '../helpers/cli.js';
import type { Fixture } from '../helpers/fixture.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { builtCli, builtCliArgv, canMakeNetnsFor } from '../helpers/system.js';

// `who` prints its table and CSV from columns (read-columns.ts with the kernel filtering by port, owners from
// owner-columns.ts, rows by printColumns): the same bytes, warnings and exit code as from Socket objects
// (PORTSCOPE_COLUMNAR=0, as for ls).

const name = `pswho-col-${String(process.pid)}`;
let fixture: Fixture<{ pid: number; child: number; port: number }> | undefined;
const addon = hasNativeAddon();

/** Runs the CLI in-process; PORTSCOPE_COLUMNAR=0 forces the Socket object path. */
const onPath = (args: readonly string[], objects: boolean) =>
  cli(args, { env: objects ? { PORTSCOPE_COLUMNAR: '0' } : {} });

describe.skipIf(!canMakeNetnsFor('who from columns') || !addon)(
  'who from columns prints what Socket objects print',
  () => {
    fixtureInNetns(name, 'who-port.py', (started: NonNullable<typeof fixture>) => (fixture = started));

    afterEach(() => {
      vi.unstubAllEnvs();
    });

    const withPort = (args: readonly string[]) => args.map((a) => a.replace('PORT', String(fixture?.info.port)));
    const cases = [
      ['who', 'PORT', '--netns', name],
      ['who', 'PORT/tcp', '--netns', name, '--all-owners'],
      ['who', 'PORT/udp', '--netns', name],
      ['who', '127.0.0.1:PORT', '--netns', name],
      ['who', '[::1]:PORT/tcp', '--netns', name],
      ['who', '127.0.0.2:PORT', '--netns', name],
      ['who', 'PORT', '--netns', name, '--format', 'csv', '-H'],
      ['who', 'PORT', '--netns', name, '--fields', 'proto,state,local,pid,users,command,netns'],
      ['who', 'PORT/tcp', '--netns', name, '--fields', 'proto,local,peer,pid,user,unit,command', '--format', 'csv'],
      ['who', 'PORT/tcp', '--netns', 'host'],
      ['ls', '-tanp', '--netns', name, 'sport', '=', ':PORT'],
    ];
    for (const walk of ['BPF where it can', 'the /proc/PID/fd walk']) {
      // Every namespace (the BPF one pass as root; with UDP-Lite the objects' path both ways) costs a dump per
      // namespace without BPF: once is enough.
      for (const args of walk === 'BPF where it can' ? [...cases, ['who', 'PORT/tcp'], ['who', 'PORT']] : cases) {
        it(`${args.join(' ')}, ${walk}: the same bytes, warnings and exit code both ways`, async () => {
          if (walk !== 'BPF where it can') vi.stubEnv('PORTSCOPE_BPF', '0');
          fixture?.assertRunning();
          const columns = await onPath(withPort(args), false);
          const objects = await onPath(withPort(args), true);
          expect(columns).toEqual(objects);
        });
      }
    }

    it('the rows: listeners first, a listener held by the parent and its child, the netns column', async () => {
      const { stdout: out, code } = await onPath(withPort(['who', 'PORT', '--netns', name]), false);
      expect(code).toBe(0);
      const rows = out.trimEnd().split('\n');
      expect(rows[0]).toMatch(
        /^Proto +State +Local Address:Port +Peer Address:Port +PID +User +Unit\/Container +Command +Netns$/,
      );
      // 3 TCP listeners, 2 UDP sockets, 46 accepted connections.
      expect(rows).toHaveLength(1 + 3 + 2 + 46);
      expect(rows.slice(1, 6).every((r) => /^(tcp6?|udp6?) +(LISTEN|UNCONN) /.test(r))).toBe(true);
      const [parent, child] = [String(fixture?.pid), String(fixture?.info.child)];
      expect(out).toContain(` ${parent},${child} `);
      expect(rows.filter((r) => / ESTAB /.test(r) && r.includes(` ${child} `))).toHaveLength(1);
    });

    it('reads who from columns: the kernel filters the port, the owner walk stops, the rows are those of whoOwns', async () => {
      const target = parsePortTarget(String(fixture?.info.port));
      // Before: `a filter on more than states and families` (read as Socket objects).
      const ls = { protocols: ['tcp', 'udp', 'udplite'] as const, filter: `sport = :${String(target.port)}` };
      for (const options of [{ ...ls, netns: name, owners: true }, whoListOptions(target, { netns: name })]) {
        const listed = await readSocketColumns(options);
        if ('fallback' in listed) throw new Error(listed.fallback);
        expect(listed.columns.length).toBe((await whoOwns(target, { netns: name })).sockets.length);
      }
      // who's walk stops once each socket has an owner: the /proc/PID/fd walk, never a full BPF pass.
      const listed = await readSocketColumns(whoListOptions(target, { netns: name }));
      if ('fallback' in listed) throw new Error(listed.fallback);
      expect(listed.owners?.source?.source).toBe('procfs');
    });

    it.skipIf(!builtCli)('through a pipe, rows written as bytes: the object path bytes', () => {
      fixture?.assertRunning();
      for (const args of [
        ['who', 'PORT', '--netns', name],
        ['who', 'PORT/tcp', '--netns', name, '--format', 'csv'],
      ]) {
        const [node = '', ...argv] = builtCliArgv(...withPort(args));
        const objects = spawnSync(node, argv, { env: { ...process.env, PORTSCOPE_COLUMNAR: '0' }, timeout: 30_000 });
        expect(objects.status).toBe(0);
        expect(objects.stdout.toString()).toContain(String(fixture?.pid));
        expect(spawnSync(node, argv, { timeout: 30_000 }).stdout.toString()).toBe(objects.stdout.toString());
      }
    });
  },
);

describe.skipIf(!addon)('who from columns, in this namespace', () => {
  const server = createServer();
  const clients: NetSocket[] = [];
  let port = 0;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    for (let i = 0; i < 20; i++) {
      const client = createConnection(port, '127.0.0.1');
      await Promise.all([once(client, 'connect'), once(server, 'connection')]);
      clients.push(client);
    }
  });
  afterAll(() => {
    for (const c of clients) c.destroy();
    server.close();
  });

  it.each([
    ['who', 'PORT/tcp'],
    ['who', 'PORT/tcp', '--format', 'csv'],
    ['who', '127.0.0.1:PORT/tcp', '-H'],
  ])('%s %s: no netns column, the same bytes both ways', async (...args) => {
    const argv = args.map((a) => a.replace('PORT', String(port)));
    const columns = await onPath(argv, false);
    expect(columns).toEqual(await onPath(argv, true));
    expect(columns.code).toBe(0);
    expect(columns.stdout).not.toContain('Netns');
    expect(columns.stdout).toMatch(new RegExp(`[ ,]${String(process.pid)}[ ,]`));
  });

  it.each(['table', 'csv', 'json', 'ndjson'])(
    'who PORT/tcp --format %s with PORTSCOPE_COLUMNAR=no: refused in one line (exit 2), as ls refuses it',
    async (format) => {
      const argv = ['who', `${String(port)}/tcp`, '--format', format];
      const { code, stderr } = await cli(argv, { env: { PORTSCOPE_COLUMNAR: 'no' } });
      expect({ code, stderr }).toEqual({
        code: 2,
        stderr: 'portscope: Expected PORTSCOPE_COLUMNAR to be 0 or 1, got `no`\n',
      });
    },
  );
});
