import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { columnarRefusal } from '../../src/cli/columnar-choice.js';
import { run } from '../../src/cli/main.js';
import type { SnapshotView } from '../../src/cli/render/sockets.js';
import { hasNativeAddon, nativeAddon, parseFilter } from '../../src/index.js';
import { SOCK_DIAG_BY_FAMILY, TCPDIAG_GETSOCK } from '../../src/inventory/linux/diag-request.js';
import type { NativeAddon } from '../../src/inventory/linux/native.js';
import { readSocketColumns } from '../../src/inventory/linux/read-columns.js';
import type { Fixture } from '../helpers/fixture.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { builtCli, builtCliArgv, canMakeNetnsFor } from '../helpers/system.js';

const name = `psls-col-${String(process.pid)}`;
let fixture: Fixture<{ pid: number; sockets: number }> | undefined;

/** Runs the CLI in-process on the test's namespace; PORTSCOPE_COLUMNAR=0 forces the Socket object path. */
async function ls(args: readonly string[], objects: boolean, tty = false): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(['ls', ...args, '--netns', name], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    isTTY: tty,
    columns: tty ? 60 : undefined,
    env: objects ? { PORTSCOPE_COLUMNAR: '0' } : {},
  });
  return { code, out };
}

const plainView: SnapshotView = {
  format: 'table',
  fields: ['netid', 'state', 'recv-q', 'send-q', 'local', 'peer'],
  header: true,
  style: { numeric: true },
  details: [],
};
const noIo = { stdout: { write: () => true }, stderr: { write: () => true }, isTTY: false, columns: undefined };

describe.skipIf(!canMakeNetnsFor('the columnar listing tests') || !hasNativeAddon())(
  'ls from columns prints what the Socket object path prints',
  () => {
    fixtureInNetns(name, 'columnar-sockets.py', (started: NonNullable<typeof fixture>) => (fixture = started));

    const cases = [
      ['-tuan'],
      ['-tan'],
      ['-tn'],
      ['-tln'],
      ['-uan'],
      ['-tua'],
      ['-tan', '-H', '-Q'],
      ['-tuan', '--format', 'csv'],
      ['-4', '-tan', 'state', 'established'],
      ['-6', '-tuan', 'exclude', 'time-wait'],
      ['-tan', 'state', 'fin-wait-2', 'state', 'close-wait'],
      ['-tan', 'state', 'syn-sent'],
    ];
    for (const args of cases) {
      it(`ls ${args.join(' ')}: the same bytes and exit code both ways`, async () => {
        fixture?.assertRunning();
        const columns = await ls(args, false);
        const objects = await ls(args, true);
        expect(columns.out).toBe(objects.out);
        expect(columns.code).toBe(objects.code);
        expect(columns.code).toBeLessThan(2); // a listing (1: nothing matched), not a usage error
      });
    }

    it('on a 60-column terminal (colours, cells cut to fit): the same bytes both ways', async () => {
      const columns = await ls(['-tuan'], false, true);
      expect(columns.out).toContain('\u001b[');
      expect(columns.out).toBe((await ls(['-tuan'], true, true)).out);
    });

    // In-process output is a string sink; a real stdout gets its rows as bytes (ChunkedOutput.addRow).
    it.skipIf(!builtCli)('through a pipe and a file, rows written as bytes: the same bytes as the object path', () => {
      // The last: every line ends in an empty `users` cell (no -p), its padding trimmed.
      for (const args of [
        ['-tuan'],
        ['-tua'],
        ['-tan', '-H', '-Q'],
        ['-6', '-tuan'],
        ['-tuan', '--fields', 'local,users'],
      ]) {
        const [node = '', ...argv] = builtCliArgv('ls', ...args, '--netns', name);
        const objects = spawnSync(node, argv, { env: { ...process.env, PORTSCOPE_COLUMNAR: '0' }, timeout: 30_000 });
        expect(objects.status).toBe(0);
        expect(spawnSync(node, argv, { timeout: 30_000 }).stdout).toEqual(objects.stdout);
        const file = join(tmpdir(), `psls-col-${String(process.pid)}.out`);
        const fd = openSync(file, 'w');
        spawnSync(node, argv, { stdio: ['ignore', fd, 'ignore'], timeout: 30_000 });
        closeSync(fd);
        expect(readFileSync(file)).toEqual(objects.stdout);
        rmSync(file);
      }
    });

    it('reads TCP of both families in one request (one walk of the kernel hash), one per family if refused', async () => {
      const addon = nativeAddon() as NativeAddon;
      const real = addon.sockDiag.bind(addon);
      const objects = await ls(['-tan'], true);
      for (const refuse of [false, true]) {
        const types: number[] = [];
        const spy = vi.spyOn(addon, 'sockDiag').mockImplementation((path, requests) => {
          types.push(...requests.map((r) => r.readUInt16LE(4)));
          const refused = (i: number) => refuse && requests[i]?.readUInt16LE(4) === TCPDIAG_GETSOCK;
          return real(path, requests).map((reply, i) => (refused(i) ? 'EINVAL' : reply));
        });
        try {
          expect((await ls(['-tan'], false)).out).toBe(objects.out);
        } finally {
          spy.mockRestore();
        }
        const perFamily = [SOCK_DIAG_BY_FAMILY, SOCK_DIAG_BY_FAMILY];
        expect(types).toEqual(refuse ? [TCPDIAG_GETSOCK, ...perFamily] : [TCPDIAG_GETSOCK]);
      }
      expect(objects.out).toContain('[::1]:');
      expect(objects.out).toContain('127.0.0.1:');
    });

    it('the listing has every kind of socket the fixture made, and reads from columns', async () => {
      const { out } = await ls(['-tuan'], true);
      for (const text of ['LISTEN', 'ESTAB', 'TIME-WAIT', 'FIN-WAIT-2', 'CLOSE-WAIT', 'UNCONN', '[::1]:', '*:']) {
        expect(out).toContain(text);
      }
      const named = await ls(['-tua'], true);
      expect(named.out).toMatch(/127\.0\.0\.1:ssh\b/);
      const listed = await readSocketColumns({
        protocols: ['tcp', 'udp', 'udplite'],
        filter: parseFilter(''),
        owners: false,
        details: false,
        netns: name,
      });
      expect('columns' in listed && listed.columns.length).toBe(out.trim().split('\n').length - 1);
      expect(listed).toMatchObject({ columns: { length: expect.any(Number) as number } });
      expect(columnarRefusal(plainView, { needsObjects: false }, { ...noIo, env: {} })).toBeUndefined();
    });

    it('refuses a PORTSCOPE_COLUMNAR other than 0 or 1 in one line (exit 2), not taking it as on', async () => {
      let err = '';
      const code = await run(['ls', '-tan', '--netns', name], {
        stdout: { write: () => true },
        stderr: { write: (s: string) => (err += s) },
        isTTY: false,
        columns: undefined,
        env: { PORTSCOPE_COLUMNAR: 'no' },
      });
      expect(code).toBe(2);
      expect(err).toBe('portscope: Expected PORTSCOPE_COLUMNAR to be 0 or 1, got `no`\n');
    });

    it('falls back, saying why, for what the columns do not hold', async () => {
      const base = { filter: parseFilter(''), details: false, netns: name, owners: false } as const;
      expect(await readSocketColumns({ ...base, protocols: ['tcp'], tcpInfo: true })).toMatchObject({
        fallback: 'sock_diag extensions',
      });
      expect(await readSocketColumns({ ...base, protocols: ['tcp', 'unix'] })).toMatchObject({
        fallback: 'a protocol other than TCP, UDP and UDP-Lite',
      });
      expect(
        await readSocketColumns({ ...base, protocols: ['tcp'], filter: parseFilter('dport = :22') }),
      ).toMatchObject({
        fallback: 'a filter on more than states, families and one local port',
      });
      const env = { ...noIo, env: {} };
      expect(columnarRefusal({ ...plainView, format: 'ndjson' }, { needsObjects: false }, env)).toBeUndefined();
      expect(columnarRefusal({ ...plainView, fields: ['local', 'timer'] }, { needsObjects: false }, env)).toBe(
        'a field the columns do not hold',
      );
      expect(columnarRefusal(plainView, { needsObjects: true }, env)).toBe('-K, -T or -r');
      expect(columnarRefusal(plainView, { needsObjects: false }, { ...noIo, env: { PORTSCOPE_COLUMNAR: '0' } })).toBe(
        'PORTSCOPE_COLUMNAR=0',
      );
    });
  },
);
