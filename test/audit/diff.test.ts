import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../../src/audit/index.js';
import { listSockets } from '../../src/inventory/index.js';
import { cli } from '../helpers/cli.js';
import { startFixture } from '../helpers/fixture.js';

/** This process's command name (comm): `node`, or `MainThread` under Node 24, which renames its main thread. */
const OWN_COMM = readFileSync('/proc/self/comm', 'utf8').trim();

const fixture = new URL('../helpers/audit-listeners.py', import.meta.url).pathname;
const now = () => listSockets({ protocols: ['tcp', 'udp'], families: ['inet', 'inet6'], netns: 'host' });
const listen = async (port = 0): Promise<Server> => {
  const server = createServer().listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
};
const portOf = (s: Server) => (s.address() as { port: number }).port;

describe('diffSnapshots and portscope diff', () => {
  it('a snapshot against itself is the same; CLI exit 0', async () => {
    const snapshot = await now();
    expect(diffSnapshots(snapshot, snapshot)).toEqual({ same: true, added: [], removed: [], changed: [] });
    const file = join(mkdtempSync(join(tmpdir(), 'portscope-diff-')), 'a.json');
    writeFileSync(file, JSON.stringify(snapshot));
    const { code, stdout } = await cli(['diff', file, file]);
    expect([code, stdout]).toEqual([0, '']);
  });

  it('added, removed, and an owner change on the same key (node → python3), without pids', async () => {
    const gone = await listen();
    const kept = await listen();
    const gonePort = portOf(gone);
    const before = await now();
    gone.close();
    await once(gone, 'close');
    const port = portOf(kept);
    kept.close();
    await once(kept, 'close');
    const python = await startFixture('python3', [
      fixture,
      JSON.stringify([{ proto: 'tcp', addr: '127.0.0.1', port }]),
    ]);
    const fresh = await listen();
    try {
      const after = await now();
      const diff = diffSnapshots(before, after);
      const key = (p: number) => `host/tcp/127.0.0.1:${String(p)}`;
      expect(diff.same).toBe(false);
      expect(diff.added.map((a) => a.key)).toContain(key(portOf(fresh)));
      expect(diff.removed.map((r) => r.key)).toContain(key(gonePort));
      const change = diff.changed.find((c) => c.key === key(port));
      expect(change?.changes).toEqual([expect.stringMatching(new RegExp(`^owners: ${OWN_COMM}:\\S+ → python3:\\S+$`))]);
      const file = join(mkdtempSync(join(tmpdir(), 'portscope-diff-')), 'before.json');
      writeFileSync(file, JSON.stringify(before));
      const run = await cli(['diff', file, '-']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`+ ${key(portOf(fresh))} ${OWN_COMM}[${String(process.pid)}]`);
      expect(run.stdout).toContain(`~ ${key(port)} owners: ${OWN_COMM}`);
    } finally {
      fresh.close();
      await python.stop();
    }
  });

  it('bad input: exit 2 naming the file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'portscope-diff-')), 'x.json');
    // JSON null, no namespaces, a socket without its local endpoint: each one line, never a TypeError.
    for (const text of [
      '{"schemaVersion": 1}',
      'null',
      '{"schemaVersion": 1, "sockets": []}',
      '{"schemaVersion": 1, "namespaces": [], "sockets": [{"protocol": "tcp", "state": "LISTEN"}]}',
    ]) {
      writeFileSync(file, text);
      const run = await cli(['diff', file, file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `portscope: Expected a Snapshot (\`portscope ls --json\` output, schemaVersion 1, with namespaces and sockets) in \`${file}\`\n`,
      );
    }
    writeFileSync(file, 'not json');
    expect((await cli(['diff', file, '-'])).stderr).toContain(`Expected \`${file}\` to hold`);
  });
});
