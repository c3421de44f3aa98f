import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { againstRealTool, closeLabs, endInput, inLab, send, sleep, type Lab } from '../helpers/nc-suite.js';
import type { Running } from '../helpers/nc.js';
import { builtCli, canMakeNetnsFor } from '../helpers/system.js';

// OpenBSD's regress/usr.bin/nc/Makefile (v1.11) targets that need what portscope nc does not have
// yet, and the suite's `-v` wording checks, each named after its target. They FAIL until then;
// the feature each needs is in its describe's name.
// Run: npx vitest run test/netcat/suite-openbsd-pending.test.ts

const can = builtCli && canMakeNetnsFor('the OpenBSD nc suite');
const PORT = 40000;
const P = String(PORT);
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portscope-obsd-pending-'));
});
afterAll(() => {
  closeLabs();
  rmSync(dir, { recursive: true, force: true });
});

const cfg = { timeout: 90_000 };

/** SERVER_NC: `echo greeting | nc ARGS`, bound on PORT or the path. */
async function server(lab: Lab, args: string[], target: number | string = PORT, protocol: 'tcp' | 'udp' = 'tcp') {
  const nc = lab.nc('openbsd', args);
  send(nc, 'greeting\n');
  endInput(nc);
  await lab.bound(nc, target, protocol);
  return nc;
}

/** CLIENT_NC: `echo command | nc ARGS`. */
function client(lab: Lab, args: string[]): Running {
  const nc = lab.nc('openbsd', args);
  send(nc, 'command\n');
  endInput(nc);
  return nc;
}

describe.skipIf(!can).concurrent("pending: OpenBSD's -v wording (the other helper)", cfg, () => {
  // Makefile: run-tcp, run-tcp6: its greps of server.err and client.err.
  it.each([
    ['run-tcp (-v lines)', '127.0.0.1'],
    ['run-tcp6 (-v lines)', '::1'],
  ])('%s', (_name, host) =>
    inLab(async (lab) => {
      const s = await server(lab, ['-n', '-v', '-l', host, P]);
      const c = client(lab, ['-n', '-v', host, P]);
      await s.waitForStdout('command\n', 10_000);
      await c.waitForStdout('greeting\n', 10_000);
      expect(s.stderr()).toContain(`Listening on ${host} ${P}`);
      expect(s.stderr()).toContain(`Connection received on ${host} `);
      expect(c.stderr()).toMatch(
        new RegExp(`Connection to ${host.replace(/\./g, '\\.')} ${P} port \\[tcp/\\*\\] succeeded!`),
      );
    }),
  );

  // Makefile: run-udp: `Bound on` and `Connection received on`.
  it('run-udp (-v lines)', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-u', '-n', '-v', '-l', '127.0.0.1', P], PORT, 'udp');
      client(lab, ['-u', '-n', '127.0.0.1', P]);
      await s.waitForStdout('command\n', 10_000);
      expect(s.stderr()).toContain(`Bound on 127.0.0.1 ${P}`);
      expect(s.stderr()).toContain('Connection received on 127.0.0.1 ');
    }));

  // Makefile: run-unix: `Bound on`, `Listening on` and `Connection received on` the path.
  // KNOWN GAP (issue 17 §2): the unix listener's -v lines are not in OpenBSD's wording yet.
  it.skip('run-unix (-v lines)', () =>
    inLab(async (lab) => {
      const path = join(dir, `unix-${lab.name}.sock`);
      const s = await server(lab, ['-U', '-n', '-v', '-l', path], path);
      client(lab, ['-U', '-n', '-v', path]);
      await s.waitForStdout('command\n', 10_000);
      expect(s.stderr()).toContain(`Bound on ${path}\n`);
      expect(s.stderr()).toContain(`Listening on ${path}\n`);
      expect(s.stderr()).toContain(`Connection received on ${path}\n`);
    }));
});

describe.skipIf(!can).concurrent('-k with UDP (-ku)', cfg, () => {
  // Makefile: run-udp-keep: the -k UDP server does not connect to its first client: each
  // client's datagrams reach it, the greeting reaches none, no `Connection received on`, and it
  // keeps its socket (no second `Bound on`). The clients run with -v, as the Makefile's: the real
  // client then sends its probe first (OpenBSD's XXXX; Debian's nc.openbsd 1.219 sends five X, one
  // a second); portscope's sends none (run-udp-probe's deliberate difference). The second client comes after more than the 2 s that a UDP session lingers
  // after stdin's end: a kept-open socket must outlast it.
  it('run-udp-keep', () =>
    inLab(async (lab) => {
      const probe = againstRealTool ? 'XXXXX' : '';
      const s = await server(lab, ['-k', '-u', '-n', '-v', '-l', '127.0.0.1', P], PORT, 'udp');
      const c1 = client(lab, ['-u', '-n', '-v', '127.0.0.1', P]);
      await s.waitForStdout('command\n', 10_000);
      await c1.waitForStderr(/Connection to 127\.0\.0\.1 .* succeeded!/, 10_000);
      c1.child.kill('SIGTERM');
      await c1.exited();
      await sleep(2500);
      const c2 = client(lab, ['-u', '-n', '-v', '127.0.0.1', P]);
      await s.waitForStdout(`${probe}command\n${probe}command\n`, 10_000);
      await c2.waitForStderr(/Connection to 127\.0\.0\.1 .* succeeded!/, 10_000);
      await sleep(200);
      expect(s.stdout().toString()).toBe(`${probe}command\n${probe}command\n`);
      expect(c1.stdout().toString() + c2.stdout().toString()).not.toContain('greeting');
      expect(s.stderr()).not.toContain('Connection received on ');
      expect(s.stderr().match(/Bound on 127\.0\.0\.1 /g)).toHaveLength(1);
    }));
});

// Unix datagram sockets, -U -u (issue 17 §1.4): the native addon's AF_UNIX SOCK_DGRAM calls.
describe.skipIf(!can)('unix datagram sockets, -U -u (issue 17 §1.4)', cfg, () => {
  // Makefile: run-unix-dgram, run-unix-dgram-namelookup, run-unix-dgram-clientsock
  it.each([
    ['run-unix-dgram', ['-n'], []],
    ['run-unix-dgram-namelookup', [], []],
    ['run-unix-dgram-clientsock', ['-n'], ['-s', 'CLIENT']],
  ] as const)('%s', (name, flags, clientFlags) =>
    inLab(async (lab) => {
      const path = join(dir, `${name}-${lab.name}.sock`);
      const s = await server(lab, ['-U', '-u', ...flags, '-v', '-l', path], path);
      const c = client(lab, [
        '-U',
        '-u',
        ...flags,
        '-v',
        ...clientFlags.map((f) => (f === 'CLIENT' ? `${path}.client` : f)),
        path,
      ]);
      await s.waitForStdout('command\n', 10_000);
      await c.waitForStdout('greeting\n', 10_000);
    }),
  );

  // Makefile: run-unix-dgram-keep: the -k server gets each client's datagrams, answers none. The
  // second client comes after the 2 s a UDP session lingers after stdin's end: the kept-open
  // socket must outlast it, as nc.openbsd's does.
  it('run-unix-dgram-keep', () =>
    inLab(async (lab) => {
      const path = join(dir, `keep-${lab.name}.sock`);
      const s = await server(lab, ['-k', '-U', '-u', '-n', '-v', '-l', path], path);
      const c1 = client(lab, ['-U', '-u', '-n', '-v', path]);
      await s.waitForStdout('command\n', 10_000);
      c1.child.kill('SIGTERM');
      await c1.exited();
      await sleep(2500);
      client(lab, ['-U', '-u', '-n', '-v', path]);
      await s.waitForStdout('command\ncommand\n', 10_000);
      expect(c1.stdout().toString()).not.toContain('greeting');
    }));
});
