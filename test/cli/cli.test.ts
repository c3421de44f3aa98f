import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceName, type Snapshot, type Socket } from '../../src/index.js';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { cli } from '../helpers/cli.js';
import { entry, startSocketsFixture, type Fixture, type SocketsInfo } from '../helpers/fixture.js';
import { watchFixture } from '../helpers/watch-fixture.js';

let fixture: Fixture<SocketsInfo>;
let port: number;

beforeAll(async () => {
  fixture = await startSocketsFixture();
  port = (entry(fixture.info, 'tcp4_listen').local as [string, number])[1];
});
watchFixture(() => fixture);

describe('portscope (no command): what is listening', () => {
  it('shows the fixture listener with its process and user', async () => {
    const { code, stdout } = await cli([]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^Proto\s+Address\s+Port\s+Service\s+Process\s+User/);
    const line = stdout.split('\n').find((l) => new RegExp(`^tcp\\s+127\\.0\\.0\\.1\\s+${String(port)}\\s`).test(l));
    expect(line).toContain(`(${String(fixture.pid)},${String(fixture.info.child_pid)})`);
  });

  it('prints a Snapshot with --json', async () => {
    const { code, stdout } = await cli(['--json']);
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout) as Snapshot;
    expect(snapshot.schemaVersion).toBe(1);
    expect(snapshot.sockets.every((s) => s.state === 'LISTEN' || s.state === 'UNCONN')).toBe(true);
    expect(snapshot.sockets.some((s) => s.local.port === port && s.owners.some((o) => o.pid === fixture.pid))).toBe(
      true,
    );
  });
});

describe('portscope ls', () => {
  it('takes ss flags and a filter: -tlnp sport = :PORT', async () => {
    const { code, stdout } = await cli(['ls', '-tlnp', `src 127.0.0.1:${String(port)}`]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Netid\s+State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port\s+Process$/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(
      // Send-Q of a listener is its backlog (7 in the fixture), which only sock_diag reports.
      new RegExp(
        `^tcp\\s+LISTEN\\s+0\\s+${nativeAddon() === undefined ? '0' : '7'}\\s+127\\.0\\.0\\.1:${String(port)}\\s+0\\.0\\.0\\.0:\\*\\s+users:\\(.*\\("python3",pid=${String(fixture.pid)},fd=\\d+\\)`,
      ),
    );
  });

  it('shows connected sockets by default, and -a adds listeners and TIME-WAIT', async () => {
    const connected = await cli(['ls', '-tn', '-H', `src 127.0.0.1:${String(port)}`]);
    expect(
      connected.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[1]),
    ).toEqual(['ESTAB']);
    const all = await cli(['ls', '-tan', '-H', `src 127.0.0.1:${String(port)} or dst 127.0.0.1:${String(port)}`]);
    const states = new Set(
      all.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[1]),
    );
    expect([...states].sort()).toEqual(['ESTAB', 'LISTEN', 'TIME-WAIT']);
  });

  it('leaves out the default states when the filter names a state anywhere, not only up front', async () => {
    const { stdout } = await cli([
      'ls',
      '-tn',
      '-H',
      `sport = :1 or ( src 127.0.0.1:${String(port)} and state listening )`,
    ]);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[1]),
    ).toEqual(['LISTEN']);
  });

  it('prints one Socket per line with --format ndjson, and CSV with chosen fields', async () => {
    const ndjson = await cli(['ls', '-tl', '--format', 'ndjson', `src 127.0.0.1:${String(port)}`]);
    const rows = ndjson.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Socket);
    expect(rows.map((s) => s.local.port)).toEqual([port]);
    const csv = await cli([
      'ls',
      '-tlp',
      '--format',
      'csv',
      '--fields',
      'state,port,pid',
      `src 127.0.0.1:${String(port)}`,
    ]);
    expect(csv.stdout).toBe(
      `state,port,pid\nLISTEN,${String(port)},"${String(fixture.pid)},${String(fixture.info.child_pid)}"\n`,
    );
  });

  it('tells "owners not asked for" (no -p) from "no owner found" in --json', async () => {
    const filter = `src 127.0.0.1:${String(port)}`;
    const without = JSON.parse((await cli(['ls', '-tl', '--json', filter])).stdout) as Snapshot;
    expect(without.sockets).toHaveLength(1);
    expect(without.sockets[0]).toMatchObject({ owners: [], ownerStatus: 'not-requested' });
    const withOwners = JSON.parse((await cli(['ls', '-tlp', '--json', filter])).stdout) as Snapshot;
    expect(withOwners.sockets[0]?.ownerStatus).toBe('ok');
    const timeWait = JSON.parse((await cli(['ls', '-tp', '--json', 'state time-wait', filter])).stdout) as Snapshot;
    expect(timeWait.sockets.map((s) => s.ownerStatus)).toEqual(timeWait.sockets.map(() => 'none'));
  });

  it('names services unless -n', async () => {
    const named = await cli(['ls', '-tl', '-H', `src 127.0.0.1:${String(port)}`]);
    const numeric = await cli(['ls', '-tln', '-H', `src 127.0.0.1:${String(port)}`]);
    const name = serviceName(port, 'tcp')?.name ?? String(port);
    expect(named.stdout).toContain(`127.0.0.1:${name} `);
    expect(numeric.stdout).toContain(`127.0.0.1:${String(port)} `);
    expect(serviceName(443, 'tcp')?.name).toBe('https');
    expect(serviceName(5432, 'udp')?.name).toBe('postgresql');
  });

  it('cuts the command column with … to fit a terminal and colours only on a TTY', async () => {
    const piped = await cli([]);
    expect(piped.stdout).not.toContain('\x1b[');
    const widest = Math.max(...piped.stdout.split('\n').map((l) => l.length));
    const columns = widest - 10; // narrower than the table: the command column must give way
    const tty = await cli([], { isTTY: true, columns });
    expect(tty.stdout).toContain('\x1b[');
    const ESC = String.fromCharCode(27);
    const plain = tty.stdout.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');
    expect(plain).toContain('…');
    expect(Math.max(...plain.split('\n').map((l) => l.length))).toBeLessThanOrEqual(columns);
  });
});

describe('errors and exit codes', () => {
  it.each([
    [['ls', 'sport = :99999'], 2, /^portscope: Expected a port between 0 and 65535 at column 9, got `:99999`\n$/],
    [['ls', '--format', 'xml'], 2, /^portscope: Expected --format to be one of table, json, ndjson, csv, got `xml`\n$/],
    [['ls', '--fields', 'nope'], 2, /^portscope: Expected --fields to list some of .*got `nope`\n$/],
    [['ls', '--netns', 'no-such-ns'], 2, /^portscope: Expected netns to be all, host, .*, got `no-such-ns`\n$/],
    [['frobnicate'], 2, /^portscope: unknown command `frobnicate`/],
    [['ls', '--bogus'], 2, /unknown option '--bogus'/],
  ])('%j exits %i with one line', async (args, code, message) => {
    const result = await cli(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 when nothing matches', async () => {
    const { code, stdout } = await cli(['ls', '-tln', '-H', 'sport = :1 and dport = :1']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
  });
});

describe('portscope stats', () => {
  it('prints the sockstat summary and counts by state, and JSON', async () => {
    const text = await cli(['stats']);
    expect(text.stdout).toMatch(/^Total: \d+\nTCP: +\d+ \(estab \d+, closed -?\d+, orphaned \d+, timewait \d+\)\n/);
    expect(text.stdout).toMatch(/\nProto\s+.*LISTEN/);
    const json = JSON.parse((await cli(['stats', '--json'])).stdout) as {
      counts: Record<string, Record<string, number>>;
    };
    expect(json.counts.tcp?.LISTEN).toBeGreaterThanOrEqual(2);
  });
});

const bin = new URL('../../bin/portscope.js', import.meta.url).pathname;
describe.skipIf(!existsSync(new URL('../../dist/cli/main.js', import.meta.url)))('bin/portscope.js', () => {
  it('runs the built CLI as a process', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      'ls',
      '-tln',
      `src 127.0.0.1:${String(port)}`,
    ]);
    expect(stdout).toMatch(new RegExp(`LISTEN .*127\\.0\\.0\\.1:${String(port)}`));
  });

  it('prints the version', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe.skipIf(!existsSync(new URL('../../dist/cli/main.js', import.meta.url)))('colours of the built CLI', () => {
  it('prints no colour into a pipe, even with CI or FORCE_COLOR-like settings around', async () => {
    const env = { ...process.env, CI: 'true', NO_COLOR: '' };
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'ls', '-tln'], { env });
    expect(stdout).not.toContain(String.fromCharCode(27));
  });
});
