import { describe, expect, it } from 'vitest';
import { hasNativeAddon, parseFilter } from '../../src/index.js';
import { readSocketColumns } from '../../src/inventory/linux/read-columns.js';
import { cli } from '../helpers/cli.js';
import type { Fixture } from '../helpers/fixture.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { canMakeNetnsFor } from '../helpers/system.js';

// `ls` with a filter on one local port (`sport = :P`, as `who` asks) reads columns, the kernel filtering by port,
// and prints the Socket object path's bytes: table, CSV, JSON and NDJSON, with owners or not.

const name = `psls-port-${String(process.pid)}`;
let fixture: Fixture<{ pid: number; sockets: number }> | undefined;
const TAKEN_AT = /^ {2}"takenAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",$/m;

/** Runs `ls ARGS` in-process on the test's namespace; PORTSCOPE_COLUMNAR=0 forces the Socket object path. */
const ls = (args: readonly string[], objects: boolean) =>
  cli(['ls', ...args, '--netns', name], { env: objects ? { PORTSCOPE_COLUMNAR: '0' } : {} });

/** The text with the listing's start time and TIME-WAIT's countdown made equal (see ls-columnar-json.test.ts). */
const sameTime = (text: string) => text.replace(TAKEN_AT, '  "takenAt": "",').replace(/("expiresMs": ?)\d+/g, '$1');

describe.skipIf(!canMakeNetnsFor('the columnar one-port tests') || !hasNativeAddon())(
  'ls with a filter on one local port prints from columns what the Socket object path prints',
  () => {
    fixtureInNetns(name, 'columnar-sockets.py', (started: NonNullable<typeof fixture>) => (fixture = started));

    /** The local port of most ESTAB rows: the fixture's IPv4 listener with 130 accepted connections. */
    async function busyPort(): Promise<string> {
      const counts = new Map<string, number>();
      for (const row of (await ls(['-tan', 'state', 'established'], true)).stdout.split('\n').slice(1)) {
        const port = /:(\d+) /.exec(row)?.[1];
        if (port !== undefined) counts.set(port, (counts.get(port) ?? 0) + 1);
      }
      return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
    }

    const cases = [
      ['-tan', 'sport = :22'],
      ['-tanp', 'sport = :22'],
      ['-tuan', 'sport = :53'],
      ['-6', '-tuan', 'sport = :443'],
      ['-tan', 'sport = :BUSY'],
      ['-tanp', 'sport = :BUSY'],
      ['-tan', '--format', 'csv', 'sport = :BUSY'],
      ['-4', '-tan', 'sport = :BUSY and state established'],
      ['-tan', '( sport = :BUSY or sport = :BUSY ) and ( state fin-wait-2 or state close-wait )'],
      ['-tan', 'sport = :BUSY and sport = :22'],
      ['-tan', 'sport = :1'],
      ['-tan', '--json', 'sport = :BUSY'],
      ['-tanp', '--json', 'sport = :BUSY'],
      ['-tuan', '--format', 'ndjson', 'sport = :53'],
      ['-tan', '--json', 'sport = :1'],
    ];
    for (const args of cases) {
      it(`ls ${args.join(' ')}: the same bytes, warnings and exit code both ways`, async () => {
        fixture?.assertRunning();
        const busy = await busyPort();
        const argv = args.map((a) => a.replaceAll('BUSY', busy));
        const columns = await ls(argv, false);
        const objects = await ls(argv, true);
        expect(sameTime(columns.stdout)).toBe(sameTime(objects.stdout));
        expect(columns.stderr).toBe(objects.stderr);
        expect(columns.code).toBe(objects.code);
      });
    }

    it('reads such a listing in columns, the rows on the port alone; more than one port falls back', async () => {
      const busy = await busyPort();
      const base = { protocols: ['tcp'], details: false, netns: name, owners: false } as const;
      const listed = await readSocketColumns({ ...base, filter: parseFilter(`sport = :${busy}`) });
      if ('fallback' in listed) throw new Error(listed.fallback);
      const rows = (await ls(['-tan', `sport = :${busy}`], true)).stdout.trimEnd().split('\n').length - 1;
      expect(rows).toBeGreaterThan(130);
      expect(listed.columns.length).toBe(rows);
      for (const filter of ['sport = :22 or sport = :80', 'not sport = :22', 'sport = :22 or state listening']) {
        expect(await readSocketColumns({ ...base, filter: parseFilter(filter) })).toMatchObject({
          fallback: 'a filter on more than one local port',
        });
      }
      expect(await readSocketColumns({ ...base, filter: parseFilter('dport = :22') })).toMatchObject({
        fallback: 'a filter on more than states, families and one local port',
      });
    });
  },
);
