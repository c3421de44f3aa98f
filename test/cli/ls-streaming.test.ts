import { connect, createServer, type Server, type Socket as NetSocket } from 'node:net';
import pc from 'picocolors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { CHUNK_CHARS } from '../../src/cli/render/chunked-output.js';
import { renderCsv } from '../../src/cli/render/csv.js';
import { printSnapshot, type SnapshotView } from '../../src/cli/render/sockets.js';
import { socketFields } from '../../src/cli/render/socket-columns.js';
import { renderTable } from '../../src/cli/render/table.js';
import { listSockets } from '../../src/index.js';
import type { Owner, Snapshot } from '../../src/model/index.js';
import { WHO_FIELDS } from '../../src/cli/commands/who.js';

const CONNECTIONS = 300;
let server: Server;
const clients: NetSocket[] = [];
let port = 0;

beforeAll(async () => {
  server = createServer((s) => clients.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<void>((resolve, reject) => {
          const c = connect(port, '127.0.0.1', resolve).once('error', reject);
          clients.push(c);
        }),
    ),
  );
});

afterAll(() => {
  for (const c of clients) c.destroy();
  server.close();
});

/** Runs the CLI in-process and keeps every write apart. */
async function writesOf(args: readonly string[]): Promise<{ code: number; writes: string[] }> {
  const writes: string[] = [];
  const code = await run(args, {
    stdout: { write: (s: string) => writes.push(s) },
    stderr: { write: () => true },
    isTTY: false,
    columns: undefined,
    env: {},
  });
  return { code, writes };
}

const ours = () => `( sport = :${String(port)} or dport = :${String(port)} )`;

describe('ls writes its output in chunks, never as one string', () => {
  for (const format of ['table', 'csv', 'ndjson', 'json']) {
    it(`--format ${format}: ${String(2 * CONNECTIONS + 1)} sockets in several writes of at most a chunk and a row`, async () => {
      const { code, writes } = await writesOf(['ls', '-tan', '-N', 'host', '--format', format, ours()]);
      expect(code).toBe(0);
      const text = writes.join('');
      expect(text.length).toBeGreaterThan(1.5 * CHUNK_CHARS);
      expect(writes.length).toBeGreaterThan(1);
      for (const w of writes) expect(w.length).toBeLessThan(CHUNK_CHARS + 4096);
      if (format === 'json') {
        const parsed = JSON.parse(text) as Snapshot;
        expect(parsed.sockets).toHaveLength(2 * CONNECTIONS + 1);
      }
    });
  }
});

async function printed(snapshot: Snapshot, view: SnapshotView): Promise<string> {
  let out = '';
  await printSnapshot(snapshot, view, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    isTTY: false,
    columns: undefined,
    env: {},
  });
  return out;
}

describe('the chunked output is byte for byte what the whole-string renderers print', () => {
  for (const owners of [false, true]) {
    it(`json, ndjson, csv and table of a real listing${owners ? ' with owners' : ''}`, async () => {
      const snapshot = await listSockets({ protocols: ['tcp'], filter: ours(), owners, netns: 'host' });
      expect(snapshot.sockets).toHaveLength(2 * CONNECTIONS + 1);
      const fields = ['netid', 'state', 'recv-q', 'send-q', 'local', 'peer', ...(owners ? ['users'] : [])];
      const view = (format: SnapshotView['format']): SnapshotView => ({
        format,
        fields,
        header: true,
        style: { numeric: false },
      });
      expect(await printed(snapshot, view('json'))).toBe(`${JSON.stringify(snapshot, null, 2)}\n`);
      expect(await printed(snapshot, view('ndjson'))).toBe(
        snapshot.sockets.map((s) => `${JSON.stringify(s)}\n`).join(''),
      );
      const all = socketFields(pc.createColors(false));
      const columns = fields.flatMap((f) => all[f] ?? []);
      const style = { numeric: false, netnsNames: new Map<number, string>() };
      const rows = snapshot.sockets.map((s) => columns.map((c) => c.value(s, style)));
      expect(await printed(snapshot, view('csv'))).toBe(renderCsv(fields, rows));
      expect(await printed(snapshot, view('table'))).toBe(
        renderTable(columns, rows, { header: true, width: undefined }),
      );
    }, 120_000); // the fd walk reads every process's fds: seconds on a host with a million sockets
  }

  it('a table reuses owner cells only for the same process: every row as rendered alone', async () => {
    const snapshot = await listSockets({ protocols: ['tcp'], filter: ours(), owners: true, netns: 'host' });
    // One process holds them all; make some of the same pid differ in each fact the owner cells print.
    const variants: ((o: Owner) => Owner)[] = [
      (o) => ({ ...o, cmdline: ['other', 'command'] }),
      (o) => ({ ...o, user: 'someone' }),
      (o) => ({ ...o, systemdUnit: 'x.service' }),
      (o) => ({ ...o, container: { runtime: 'docker', id: 'abcdef0123456789' } }),
      (o) => {
        const renamed = { ...o, command: 'renamed' };
        delete renamed.cmdline;
        return renamed;
      },
    ];
    snapshot.sockets.forEach((s, i) => {
      const [owner] = s.owners;
      if (owner === undefined) return;
      if (i % 7 === 3) s.owners = [variants[((i / 7) % variants.length) | 0]?.(owner) ?? owner];
      if (i % 11 === 5) s.owners = [owner, { ...owner, pid: owner.pid + 1 }];
    });
    const fields = WHO_FIELDS;
    const all = socketFields(pc.createColors(false));
    const columns = fields.flatMap((f) => all[f] ?? []);
    const rows = snapshot.sockets.map((s) => columns.map((c) => c.value(s, { numeric: true })));
    expect(new Set(rows.map((r) => r.slice(4).join(' '))).size).toBeGreaterThan(5);
    const view: SnapshotView = { format: 'table', fields, header: true, style: { numeric: true } };
    expect(await printed(snapshot, view)).toBe(renderTable(columns, rows, { header: true, width: undefined }));
  });

  it('an empty sockets array and a document without sockets print as JSON.stringify does', async () => {
    const snapshot = await listSockets({ protocols: ['tcp'], filter: 'sport = :1 and dport = :1', netns: 'host' });
    expect(snapshot.sockets).toEqual([]);
    expect(await printed(snapshot, { format: 'json', fields: [], header: true, style: { numeric: true } })).toBe(
      `${JSON.stringify(snapshot, null, 2)}\n`,
    );
  });
});
