import { describe, expect, it } from 'vitest';
import { printColumnarListing } from '../../src/cli/commands/ls-columnar.js';
import { columnarRefusal } from '../../src/cli/columnar-choice.js';
import { run } from '../../src/cli/main.js';
import { CHUNK_CHARS } from '../../src/cli/render/chunked-output.js';
import type { SnapshotView } from '../../src/cli/render/sockets.js';
import { hasNativeAddon, parseFilter } from '../../src/index.js';
import type { Snapshot } from '../../src/model/index.js';
import type { Fixture } from '../helpers/fixture.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { canMakeNetnsFor } from '../helpers/system.js';

const name = `psls-json-${String(process.pid)}`;
let fixture: Fixture<{ pid: number; sockets: number }> | undefined;
const TAKEN_AT = /^ {2}"takenAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",$/m;

/** Runs the CLI in-process on the test's namespace; PORTSCOPE_COLUMNAR=0 forces the Socket object path. */
async function ls(args: readonly string[], objects: boolean): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(['ls', ...args, '--netns', name], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    isTTY: false,
    columns: undefined,
    env: objects ? { PORTSCOPE_COLUMNAR: '0' } : {},
  });
  return { code, out, err };
}

/**
 * The text with what changes from one listing to the next made equal: its `takenAt` line (the time the listing
 * started) and the timers' `expiresMs` (TIME-WAIT counts down between the two listings).
 */
function sameTime(text: string, json: boolean): string {
  if (json) expect(text).toMatch(TAKEN_AT);
  return text.replace(TAKEN_AT, '  "takenAt": "",').replace(/("expiresMs": ?)\d+/g, '$1');
}

const view = (format: 'json' | 'ndjson'): SnapshotView => ({
  format,
  fields: ['netid', 'state', 'recv-q', 'send-q', 'local', 'peer'],
  header: true,
  style: { numeric: true },
  details: [],
});

describe.skipIf(!canMakeNetnsFor('the columnar JSON tests') || !hasNativeAddon())(
  'ls --json and --format ndjson from columns print what the Socket object path prints',
  () => {
    fixtureInNetns(name, 'columnar-sockets.py', (started: NonNullable<typeof fixture>) => (fixture = started));

    const cases = [
      ['-tan', '--json'],
      ['-uan', '--format', 'ndjson'],
      ['-tuan', '--format', 'json'],
      ['-tuan', '--format', 'ndjson'],
      ['-tn', '--json'],
      ['-6', '-tuan', '--json', 'exclude', 'time-wait'],
      ['-4', '-tan', '--format', 'ndjson', 'state', 'established'],
      ['-tan', '--json', 'state', 'fin-wait-2', 'state', 'close-wait'],
      ['-tan', '--json', 'state', 'closing'],
      ['-tan', '--format', 'ndjson', 'state', 'closing'],
      // --fields makes ls read sock_diag's details (as for JSON): a table of fields the columns hold takes them too.
      ['-tuan', '--fields', 'netid,local,peer,inode,uid,netns'],
    ];
    for (const args of cases) {
      it(`ls ${args.join(' ')}: the same bytes and exit code both ways`, async () => {
        fixture?.assertRunning();
        const json = args.includes('--json') || args.includes('json');
        const columns = await ls(args, false);
        const objects = await ls(args, true);
        expect(sameTime(columns.out, json)).toBe(sameTime(objects.out, json));
        expect(columns.err).toBe(objects.err);
        expect(columns.code).toBe(objects.code);
      });
    }

    it('the document parses, holds the fixture with every detail, and an empty listing exits 1', async () => {
      const { out, code } = await ls(['-tuan', '--json'], false);
      expect(code).toBe(0);
      const snapshot = JSON.parse(out) as Snapshot;
      expect(snapshot.namespaces).toEqual([
        { netns: expect.any(Number) as number, isHost: false, pids: 1, sources: ['sock_diag'], name },
      ]);
      expect(snapshot.sockets.length).toBeGreaterThan(400);
      const keys = new Set(snapshot.sockets.flatMap((s) => Object.keys(s)));
      for (const key of ['timer', 'cookie', 'shutdown', 'v6only', 'mark', 'cgroupId']) expect(keys).toContain(key);
      expect(snapshot.sockets.some((s) => s.state === 'TIME_WAIT' && s.timer?.kind === 'timewait')).toBe(true);
      const lines = (await ls(['-uan', '--format', 'ndjson'], false)).out.trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { protocol: string }).protocol)).toEqual(lines.map(() => 'udp'));
      const empty = await ls(['-tan', '--json', 'state', 'closing'], false);
      expect([empty.code, (JSON.parse(empty.out) as Snapshot).sockets]).toEqual([1, []]);
      expect((await ls(['-tan', '--format', 'ndjson', 'state', 'closing'], false)).out).toBe('');
    });

    it('writes in chunks of at most a chunk and a row, never the document as one string', async () => {
      const writes: string[] = [];
      const io = { stdout: { write: (s: string) => writes.push(s) }, stderr: { write: () => true } };
      expect(await run(['ls', '-tuan', '--json', '--netns', name], { ...io, isTTY: false, columns: 0, env: {} })).toBe(
        0,
      );
      expect(writes.join('').length).toBeGreaterThan(2 * CHUNK_CHARS);
      for (const w of writes) expect(w.length).toBeLessThan(CHUNK_CHARS + 4096);
    });

    it('is printed from columns: the columnar path takes JSON and NDJSON and prints every row', async () => {
      const noIo = { stdout: { write: () => true }, stderr: { write: () => true }, isTTY: false, columns: undefined };
      for (const format of ['json', 'ndjson'] as const) {
        expect(columnarRefusal(view(format), { needsObjects: false }, { ...noIo, env: {} })).toBeUndefined();
        let out = '';
        const io = { ...noIo, stdout: { write: (s: string) => (out += s) }, env: {} };
        const options = { protocols: ['tcp' as const], filter: parseFilter(''), owners: false, details: true };
        const rows = await printColumnarListing({ ...options, netns: name }, view(format), { needsObjects: false }, io);
        const objects = await ls(['-tan', ...(format === 'json' ? ['--json'] : ['--format', 'ndjson'])], true);
        expect(sameTime(out, format === 'json')).toBe(sameTime(objects.out, format === 'json'));
        expect(rows).toBeGreaterThan(400);
      }
    });
  },
);
