import { lookup } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLabs, endInput, exitWithin, inLab, send, sleep, type Lab } from '../helpers/nc-suite.js';
import type { Running } from '../helpers/nc.js';
import { builtCli, canMakeNetnsFor } from '../helpers/system.js';

// OpenBSD's regress/usr.bin/nc/Makefile (v1.11), its 39 targets without TLS, each as one case
// named after its target, run against `portscope nc --compat openbsd` (PORTSCOPE_SUITE_REAL=1: the
// real nc.openbsd). The suite's stderr wording checks are in suite-openbsd-pending.test.ts.
// Differences of method: each case has a network namespace of its own, so a fixed port (40000)
// replaces the suite's port 0 read back from `-v` output.

const can = builtCli && canMakeNetnsFor('the OpenBSD nc suite');
const PORT = 40000;
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portscope-obsd-suite-'));
});
afterAll(() => {
  closeLabs();
  rmSync(dir, { recursive: true, force: true });
});

/** `echo greeting | nc SERVER_ARGS` (the Makefile's SERVER_NC), bound (Listening/Bound) on PORT or a path. */
async function server(lab: Lab, args: string[], target: number | string = PORT, protocol: 'tcp' | 'udp' = 'tcp') {
  const nc = lab.nc('openbsd', args);
  send(nc, 'greeting\n');
  endInput(nc);
  await lab.bound(nc, target, protocol);
  return nc;
}

/** `echo command | nc CLIENT_ARGS` (CLIENT_NC). */
function client(lab: Lab, args: string[]): Running {
  const nc = lab.nc('openbsd', args);
  send(nc, 'command\n');
  endInput(nc);
  return nc;
}

/** TRANSFER_WAIT and the greps that follow it: `greeting` reached the client, `command` the server. */
async function transfer(s: Running, c: Running): Promise<void> {
  await c.waitForStdout('greeting\n', 10_000);
  await s.waitForStdout('command\n', 10_000);
  expect(c.stdout().toString()).toBe('greeting\n');
  expect(s.stdout().toString()).toBe('command\n');
}

const P = String(PORT);
const sock = (name: string) => join(dir, name);
const localhostHas6 = async () => (await lookup('localhost', { all: true })).some((a) => a.family === 6);

describe.skipIf(!can).concurrent('OpenBSD regress/usr.bin/nc, non-TLS targets', { timeout: 90_000 }, () => {
  // Makefile: run-tcp
  it('run-tcp', () =>
    inLab(async (lab) =>
      transfer(await server(lab, ['-n', '-v', '-l', '127.0.0.1', P]), client(lab, ['-n', '-v', '127.0.0.1', P])),
    ));

  // Makefile: run-tcp6
  it('run-tcp6', () =>
    inLab(async (lab) =>
      transfer(await server(lab, ['-n', '-v', '-l', '::1', P]), client(lab, ['-n', '-v', '::1', P])),
    ));

  // Makefile: run-tcp-localhost-server
  it('run-tcp-localhost-server', () =>
    inLab(async (lab) =>
      transfer(await server(lab, ['-4', '-v', '-l', 'localhost', P]), client(lab, ['-n', '-v', '127.0.0.1', P])),
    ));

  // Makefile: run-tcp6-localhost-server. `localhost` has no ::1 on some machines (this CI's
  // /etc/hosts): there nc.openbsd fails to listen too, and so must we, rather than take 127.0.0.1.
  it('run-tcp6-localhost-server', () =>
    inLab(async (lab) => {
      if (await localhostHas6()) {
        await transfer(await server(lab, ['-6', '-v', '-l', 'localhost', P]), client(lab, ['-n', '-v', '::1', P]));
      } else {
        const nc = lab.nc('openbsd', ['-6', '-v', '-l', 'localhost', P], 'ignore');
        expect(await exitWithin(nc, 10_000)).not.toBe(0);
      }
    }));

  // Makefile: run-tcp-localhost-client
  it('run-tcp-localhost-client', () =>
    inLab(async (lab) =>
      transfer(await server(lab, ['-n', '-v', '-l', '127.0.0.1', P]), client(lab, ['-4', '-v', 'localhost', P])),
    ));

  // Makefile: run-tcp6-localhost-client (as run-tcp6-localhost-server when localhost has no ::1).
  it('run-tcp6-localhost-client', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-n', '-v', '-l', '::1', P]);
      const c = client(lab, ['-6', '-v', 'localhost', P]);
      if (await localhostHas6()) await transfer(s, c);
      else expect(await exitWithin(c, 10_000)).not.toBe(0);
    }));

  // Makefile: run-tcp-bad-localhost-server: -4 with an IPv6 address fails.
  it('run-tcp-bad-localhost-server', () =>
    inLab(async (lab) => {
      const nc = lab.nc('openbsd', ['-4', '-v', '-l', '::1', '0'], 'ignore');
      expect(await exitWithin(nc, 10_000)).not.toBe(0);
    }));

  // Makefile: run-tcp6-bad-localhost-server: -6 with an IPv4 address fails.
  it('run-tcp6-bad-localhost-server', () =>
    inLab(async (lab) => {
      const nc = lab.nc('openbsd', ['-6', '-v', '-l', '127.0.0.0', '0'], 'ignore');
      expect(await exitWithin(nc, 10_000)).not.toBe(0);
    }));

  // Makefile: run-tcp-bad-localhost-client: -4 to an IPv6 address fails (the server gets nothing).
  it('run-tcp-bad-localhost-client', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-n', '-v', '-l', '127.0.0.1', P]);
      const c = lab.nc('openbsd', ['-4', '-v', '::1', P], 'ignore');
      expect(await exitWithin(c, 10_000)).not.toBe(0);
      expect(s.stdout().toString()).toBe('');
    }));

  // Makefile: run-tcp6-bad-localhost-client: -6 to an IPv4 address fails.
  it('run-tcp6-bad-localhost-client', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-n', '-v', '-l', '127.0.0.1', P]);
      const c = lab.nc('openbsd', ['-6', '-v', '127.0.0.1', P], 'ignore');
      expect(await exitWithin(c, 10_000)).not.toBe(0);
      expect(s.stdout().toString()).toBe('');
    }));

  // Makefile: run-tcp-sleep. Deliberately different: nc.openbsd without -N never sends FIN, so
  // both sit waiting after the transfer; portscope sends FIN when stdin ends (OpenBSD's -N is the
  // default, docs/netcat.md "EOF"), so both finish, exit 0, having delivered everything.
  it('run-tcp-sleep', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-n', '-v', '-l', '127.0.0.1', P]);
      const c = client(lab, ['-n', '-v', '127.0.0.1', P]);
      await transfer(s, c);
      if (process.env.PORTSCOPE_SUITE_REAL === '1') {
        expect(await exitWithin(c, 500)).toBe('running');
        return;
      }
      expect([await exitWithin(c, 10_000), await exitWithin(s, 10_000)]).toEqual([0, 0]);
    }));

  // Makefile: run-tcp-keep: a second client after the first is gone is served, without a second
  // greeting (stdin was read once). nc.openbsd re-binds on a new port; portscope keeps its socket.
  it('run-tcp-keep', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-k', '-n', '-v', '-l', '127.0.0.1', P]);
      const c1 = client(lab, ['-n', '-v', '127.0.0.1', P]);
      await transfer(s, c1);
      c1.child.kill('SIGTERM');
      await c1.exited();
      await lab.bound(s, PORT);
      const c2 = client(lab, ['-n', '-v', '127.0.0.1', P]);
      await s.waitForStdout('command\ncommand\n', 10_000);
      await sleep(200);
      expect(c2.stdout().toString()).not.toContain('greeting');
    }));

  // Makefile: run-udp
  it('run-udp', () =>
    inLab(async (lab) =>
      transfer(
        await server(lab, ['-u', '-n', '-v', '-l', '127.0.0.1', P], PORT, 'udp'),
        client(lab, ['-u', '-n', '127.0.0.1', P]),
      ),
    ));

  // Makefile: run-udp6
  it('run-udp6', () =>
    inLab(async (lab) =>
      transfer(await server(lab, ['-u', '-n', '-v', '-l', '::1', P], PORT, 'udp'), client(lab, ['-u', '-n', '::1', P])),
    ));

  // Makefile: run-udp-probe. Deliberately different: nc.openbsd -u -v first sends four `X`
  // datagrams to test the port (the server prints `XXXXcommand`); portscope never sends bytes the
  // user did not give it (-z checks ports without data), so the server gets `command` alone.
  it('run-udp-probe', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-u', '-n', '-v', '-l', '127.0.0.1', P], PORT, 'udp');
      const c = client(lab, ['-u', '-v', '-n', '127.0.0.1', P]);
      await c.waitForStdout('greeting\n', 10_000);
      await s.waitForStdout('command\n', 10_000);
      expect(s.stdout().toString()).toBe(process.env.PORTSCOPE_SUITE_REAL === '1' ? 'XXXXcommand\n' : 'command\n');
    }));

  // Makefile: run-udp-localhost
  it('run-udp-localhost', () =>
    inLab(async (lab) =>
      transfer(
        await server(lab, ['-u', '-4', '-v', '-l', 'localhost', P], PORT, 'udp'),
        client(lab, ['-u', '-4', 'localhost', P]),
      ),
    ));

  // Makefile: run-udp6-localhost (as run-tcp6-localhost-server when localhost has no ::1).
  it('run-udp6-localhost', () =>
    inLab(async (lab) => {
      if (await localhostHas6()) {
        await transfer(
          await server(lab, ['-u', '-6', '-v', '-l', 'localhost', P], PORT, 'udp'),
          client(lab, ['-u', '-6', 'localhost', P]),
        );
      } else {
        const nc = lab.nc('openbsd', ['-u', '-6', '-v', '-l', 'localhost', P], 'ignore');
        expect(await exitWithin(nc, 10_000)).not.toBe(0);
      }
    }));

  // Makefile: run-udp-sleep. Deliberately different: UDP has no FIN, so nc.openbsd waits forever
  // after the transfer; portscope's client waits --linger (2 s for UDP, docs/netcat.md) with
  // nothing coming, then exits 0.
  it('run-udp-sleep', () =>
    inLab(async (lab) => {
      const s = await server(lab, ['-u', '-n', '-v', '-l', '127.0.0.1', P], PORT, 'udp');
      const c = client(lab, ['-u', '-n', '127.0.0.1', P]);
      await transfer(s, c);
      if (process.env.PORTSCOPE_SUITE_REAL === '1') expect(await exitWithin(c, 500)).toBe('running');
      else expect(await exitWithin(c, 6000)).toBe(0);
    }));

  // Makefile: run-unix
  it('run-unix', () =>
    inLab(async (lab) =>
      transfer(
        await server(lab, ['-U', '-n', '-v', '-l', sock('unix.sock')], sock('unix.sock')),
        client(lab, ['-U', '-n', '-v', sock('unix.sock')]),
      ),
    ));

  // Makefile: run-unix-namelookup
  it('run-unix-namelookup', () =>
    inLab(async (lab) =>
      transfer(
        await server(lab, ['-U', '-v', '-l', sock('lookup.sock')], sock('lookup.sock')),
        client(lab, ['-U', '-v', sock('lookup.sock')]),
      ),
    ));

  // Makefile: run-unix-probe: a client that connects and closes; a second one fails (the server
  // served one); a client of a path that does not exist fails.
  it('run-unix-probe', () =>
    inLab(async (lab) => {
      const path = sock('probe.sock');
      await server(lab, ['-U', '-n', '-v', '-l', path], path);
      expect(await lab.nc('openbsd', ['-N', '-U', '-v', path], 'ignore').exited()).toBe(0);
      expect(await lab.nc('openbsd', ['-N', '-U', '-v', path], 'ignore').exited()).not.toBe(0);
      rmSync(path, { force: true });
      const missing = lab.nc('openbsd', ['-N', '-U', '-v', path], 'ignore');
      expect(await missing.exited()).not.toBe(0);
      expect(missing.stderr()).toMatch(/No such file or directory|ENOENT/);
    }));

  // Makefile: run-unix-keep
  it('run-unix-keep', () =>
    inLab(async (lab) => {
      const path = sock('keep.sock');
      const s = await server(lab, ['-k', '-U', '-n', '-v', '-l', path], path);
      const c1 = client(lab, ['-U', '-n', '-v', path]);
      await transfer(s, c1);
      c1.child.kill('SIGTERM');
      await c1.exited();
      const c2 = client(lab, ['-U', '-n', '-v', path]);
      await s.waitForStdout('command\ncommand\n', 10_000);
      await sleep(200);
      expect(c2.stdout().toString()).not.toContain('greeting');
    }));
});
