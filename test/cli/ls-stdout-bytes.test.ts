import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_CHARS } from '../../src/cli/render/chunked-output.js';
import { cli } from '../helpers/cli.js';
import { builtCli, builtCliArgv } from '../helpers/system.js';

/** Connections the fixture makes to its own listener: rows enough for many chunks of JSON. */
const CONNECTIONS = 150;
/** A command-line argument of 2-, 3- and 4-byte UTF-8 characters, printed in every owner's `cmdline`. */
const WIDE_ARG = 'é✓𝄞-'.repeat(40);

// A process (of this test, with a bounded life) holding a listener and both ends of its connections.
const FIXTURE = `
const net = require('node:net');
const held = [];
const server = net.createServer((s) => held.push(s)).listen(0, '127.0.0.1', () => {
  let left = ${String(CONNECTIONS)};
  for (let i = 0; i < ${String(CONNECTIONS)}; i++)
    held.push(net.connect(server.address().port, '127.0.0.1', () => { if (--left === 0) console.log(server.address().port); }));
});
setTimeout(() => process.exit(0), 60000);
`;

let fixture: ChildProcess | undefined;
let port = '';
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ps-stdout-'));
  fixture = spawn(process.execPath, ['-e', FIXTURE, WIDE_ARG], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(fixture.stdout ?? fixture, 'data')) as [Buffer];
  port = line.toString().trim();
});

afterAll(() => {
  fixture?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** The time and the namespace's process count (this test's own processes come and go) differ from run to run: the rest must not. */
const stable = (text: string) =>
  text.replace(/"takenAt": ?"[^"]*"/, '"takenAt":""').replace(/"pids": ?\d+/, '"pids":0');

describe.skipIf(!builtCli)('the CLI writes the same bytes to a pipe and a file as to a string sink', () => {
  // JSON (rows of many chunks, multi-byte text) and the table (owners' cells); NDJSON and CSV go through the same output.
  for (const format of ['json', 'table']) {
    it(`ls -tanp --format ${format}: ${String(2 * CONNECTIONS + 1)} rows, owners with multi-byte arguments`, async () => {
      const args = ['ls', '-tanp', '--netns', 'host', '--format', format, `( sport = :${port} or dport = :${port} )`];
      const inProcess = await cli(args);
      expect(inProcess.code).toBe(0);
      // The table names the fixture by pid: its command is `node` on Node 20 and `MainThread` on Node 24.
      expect(inProcess.stdout).toContain(format === 'table' ? `pid=${String(fixture?.pid)},` : WIDE_ARG);
      expect(inProcess.stdout.length).toBeGreaterThan(format === 'json' ? 4 * CHUNK_CHARS : 0);
      const [node, ...argv] = builtCliArgv(...args);
      // Through a pipe (the parent reads it), then to a regular file.
      const piped = spawnSync(node ?? '', argv, { maxBuffer: 64 << 20, timeout: 30_000 });
      expect(piped.status).toBe(0);
      const file = join(dir, `out.${format}`);
      const fd = openSync(file, 'w');
      const filed = spawnSync(node ?? '', argv, { stdio: ['ignore', fd, 'pipe'], timeout: 30_000 });
      closeSync(fd);
      expect(filed.status).toBe(0);
      const expected = Buffer.from(stable(inProcess.stdout));
      expect(Buffer.from(stable(piped.stdout.toString()))).toEqual(expected);
      expect(Buffer.from(stable(readFileSync(file, 'utf8')))).toEqual(expected);
    }, 60_000);
  }
});
