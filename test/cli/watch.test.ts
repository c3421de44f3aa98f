import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SocketEvent } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback TCP listener of this process, opened after `openAfterMs` and closed `openForMs` later. */
async function blink(
  openAfterMs: number,
  openForMs: number,
): Promise<{ port: number; closed: Promise<void>; fds: Map<string, string> }> {
  await delay(openAfterMs);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  // What each fd of this process was while the listener was open (fd -> `socket:[inode]`...).
  const fds = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the directory's own fd, closed by now
    }
  }
  const closed = delay(openForMs).then(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  return { port, closed, fds };
}

const FAST = ['--interval', '200ms', '--debounce', '500ms', '--summary-interval', '0', '--no-tracepoint'];
const dir = mkdtempSync(join(tmpdir(), `portscope-watch-${String(process.pid)}-`));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('portscope watch (events)', () => {
  it('prints one NDJSON event per line when stdout is not a terminal: the new listener, then its removal', async () => {
    const [run, server] = await Promise.all([cli(['watch', ...FAST, '--duration', '4s']), blink(1000, 800)]);
    await server.closed;
    expect(run.code).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SocketEvent);
    const ours = events.filter((e) => 'listener' in e && e.listener.local.port === server.port);
    expect(ours.map((e) => e.type)).toEqual(['listener-added', 'listener-removed']);
    expect(ours[0]).toMatchObject({ initial: false, listener: { owners: [{ pid: process.pid }] } });
  });

  // osquery's documented result-log shape, event format: docs/wiki/deployment/logging.md in github.com/osquery/osquery
  // ("Schedule results" > "Event format", "Schedule counter", "Unique host identification";
  // https://osquery.readthedocs.io/en/stable/deployment/logging/), and the listening_ports columns from
  // specs/listening_ports.table (https://osquery.io/schema/current/#listening_ports).
  it('--format osquery writes differential result-log lines with listening_ports columns, field by field', async () => {
    const before = Math.floor(Date.now() / 1000);
    const [run, server] = await Promise.all([
      cli(['watch', ...FAST, '--duration', '4s', '--format', 'osquery', '--query-name', 'pack_ports_listening']),
      blink(1000, 800),
    ]);
    await server.closed;
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        ['action', 'calendarTime', 'columns', 'counter', 'epoch', 'hostIdentifier', 'name', 'unixTime'].sort(),
      );
      expect(Object.keys(line.columns as object).sort()).toEqual(
        ['address', 'family', 'fd', 'net_namespace', 'path', 'pid', 'port', 'protocol', 'socket'].sort(),
      );
      // The event format writes every value as a string.
      for (const value of Object.values(line.columns as object)) expect(typeof value).toBe('string');
    }
    const ours = lines.filter((l) => (l.columns as { port: string }).port === String(server.port));
    expect(ours.map((l) => l.action)).toEqual(['added', 'removed']);
    const [added, removed] = ours as [Record<string, string>, Record<string, string>];
    expect(added.name).toBe('pack_ports_listening');
    expect(added.hostIdentifier).toBe(hostname());
    expect(added.epoch).toBe('0');
    expect(added.calendarTime).toMatch(
      /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} UTC$/,
    );
    expect(new Date((added.calendarTime ?? '').replace(' UTC', 'Z')).getTime() / 1000).toBe(Number(added.unixTime));
    expect(Number(added.unixTime)).toBeGreaterThanOrEqual(before);
    expect(Number(added.unixTime)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    // Initial rows carry counter 0; every later event one more.
    const initial = lines.filter((l) => l.counter === '0');
    expect(initial.every((l) => l.action === 'added')).toBe(true);
    expect(Number(added.counter)).toBeGreaterThan(0);
    // Events of other listeners (other test files run meanwhile) may come in between.
    expect(Number(removed.counter)).toBeGreaterThan(Number(added.counter));
    const counters = lines.map((l) => Number(l.counter));
    expect(counters).toEqual([...counters].sort((a, b) => a - b));
    const columns = added.columns as unknown as Record<string, string>;
    expect(columns).toMatchObject({
      pid: String(process.pid),
      port: String(server.port),
      protocol: '6',
      family: '2',
      address: '127.0.0.1',
      path: '',
      net_namespace: readlinkSync('/proc/self/ns/net').slice(5, -1),
    });
    // fd and socket agree with the kernel: that fd of this process is that socket inode.
    expect(server.fds.get(columns.fd ?? '')).toBe(`socket:[${columns.socket ?? ''}]`);
    expect(removed.columns).toEqual(added.columns);
  });

  it('--exec runs the program once per event with the event JSON on its stdin, without a shell', async () => {
    const file = join(dir, 'events.ndjson');
    const [run, server] = await Promise.all([
      cli([
        'watch',
        ...FAST,
        '--duration',
        '4s',
        '--exec',
        'dd',
        `of=${file}`,
        'oflag=append',
        'conv=notrunc',
        'status=none',
      ]),
      blink(1000, 800),
    ]);
    await server.closed;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const received = readFileSync(file, 'utf8').trim().split('\n');
    expect(received).toEqual(run.stdout.trim().split('\n'));
    expect(received.filter((l) => l.includes(`"port":${String(server.port)}`))).toHaveLength(2);
  });

  it.each([
    [['--exec'], 'Expected a program after --exec'],
    [['logger'], 'Expected no arguments without --exec, got `logger`'],
    [['--interval', 'soon'], 'Expected --interval to be a duration'],
    [['--interval', '0'], 'Expected --interval to be at least 10ms, got `0`'],
    [['--interval', '5ms'], 'Expected --interval to be at least 10ms, got `5ms`'],
    [['--protocols', 'tcp,sctp'], 'Expected `protocols` to be a non-empty array of tcp, udp, udplite, unix, mptcp'],
    [['--format', 'csv'], "argument 'csv' is invalid"],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const run = await cli(['watch', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });
});
