import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, closeLabs, endInput, inLab, send, type Lab } from '../helpers/nc-suite.js';
import { builtCli, canMakeNetnsFor, hasTool } from '../helpers/system.js';

// OpenBSD's regress/usr.bin/nc/Makefile (v1.11): its targets with the scripted TCP peers
// (client-tcp, server-tcp: ours is test/helpers/tcp-peer.py), each as one case named after its
// target, against `portscope nc --compat openbsd` (PORTSCOPE_SUITE_REAL=1: nc.openbsd), in a
// network namespace of its own.

const can = builtCli && canMakeNetnsFor('the OpenBSD nc suite') && hasTool('python3', 'the OpenBSD nc suite');
const PEER = new URL('../helpers/tcp-peer.py', import.meta.url).pathname;
const PORT = 40000;
const P = String(PORT);

afterAll(() => {
  closeLabs();
});

/** `echo greeting | nc ARGS` listening on PORT (the Makefile's SERVER_NC). */
async function server(lab: Lab, args: string[]) {
  const nc = lab.nc('openbsd', args);
  send(nc, 'greeting\n');
  endInput(nc);
  await lab.bound(nc, PORT);
  return nc;
}

/** `echo command | nc ARGS` (CLIENT_NC). */
function client(lab: Lab, args: string[]) {
  const nc = lab.nc('openbsd', args);
  send(nc, 'command\n');
  endInput(nc);
  return nc;
}

describe
  .skipIf(!can)
  .concurrent('OpenBSD regress/usr.bin/nc, targets with the scripted TCP peers', { timeout: 90_000 }, () => {
    // Makefile: run-tcp-test, run-tcp-test-shutdown: the scripted peers against each other.
    it('run-tcp-test', () =>
      inLab(async (lab) => peerPair(lab, ['-s', 'greeting', '-r', 'command'], ['-r', 'greeting', '-s', 'command'])));
    it('run-tcp-test-shutdown', () =>
      inLab(async (lab) =>
        peerPair(lab, ['-s', 'greeting', '-N', '-r', 'command', '-E'], ['-r', 'greeting', '-E', '-s', 'command', '-N']),
      ));

    // Makefile: run-tcp-server, -eof, -reverse-eof, -shutdown-eof, -shutdown-reverse-eof: nc
    // listening, the scripted client.
    it.each([
      ['run-tcp-server', [], ['-r', 'greeting', '-s', 'command']],
      ['run-tcp-server-eof', [], ['-r', 'greeting', '-s', 'command', '-N', '-E']],
      ['run-tcp-server-reverse-eof', [], ['-s', 'command', '-N', '-r', 'greeting', '-E']],
      ['run-tcp-server-shutdown-eof', ['-N'], ['-r', 'greeting', '-s', 'command', '-E', '-N']],
      ['run-tcp-server-shutdown-reverse-eof', ['-N'], ['-s', 'command', '-N', '-r', 'greeting', '-E']],
    ])('%s', (_name, ncArgs, script) =>
      inLab(async (lab) => {
        const s = await server(lab, [...ncArgs, '-n', '-v', '-l', '127.0.0.1', P]);
        const peer = lab.run(PYTHON, [PEER, 'client', '127.0.0.1', P, ...script]);
        expect({ exit: await peer.exited(), err: peer.stderr() }).toEqual({ exit: 0, err: '' });
        await s.waitForStdout('command\n', 10_000);
        expect(s.stdout().toString()).toBe('command\n');
      }),
    );

    // Makefile: run-tcp-client, -eof, -reverse-eof, -shutdown-eof, -shutdown-reverse-eof: the
    // scripted server, nc connecting.
    it.each([
      ['run-tcp-client', [], ['-s', 'greeting', '-r', 'command']],
      ['run-tcp-client-eof', [], ['-s', 'greeting', '-N', '-r', 'command', '-E']],
      ['run-tcp-client-reverse-eof', [], ['-r', 'command', '-s', 'greeting', '-E', '-N']],
      ['run-tcp-client-shutdown-eof', ['-N'], ['-s', 'greeting', '-N', '-r', 'command', '-E']],
      ['run-tcp-client-shutdown-reverse-eof', ['-N'], ['-r', 'command', '-E', '-s', 'greeting', '-N']],
    ])('%s', (_name, ncArgs, script) =>
      inLab(async (lab) => {
        const peer = lab.run(PYTHON, [PEER, 'server', '127.0.0.1', P, ...script]);
        await lab.bound(peer, PORT);
        const c = client(lab, [...ncArgs, '-n', '-v', '127.0.0.1', P]);
        await c.waitForStdout('greeting\n', 10_000);
        expect(c.stdout().toString()).toBe('greeting\n');
        // nc.openbsd without -N never sends FIN: the -E of a reverse-eof server waits for it.
        if (process.env.PORTSCOPE_SUITE_REAL !== '1' || ncArgs.length > 0)
          expect({ exit: await peer.exited(), err: peer.stderr() }).toEqual({ exit: 0, err: '' });
      }),
    );
  });

/** The scripted server and client against each other (the suite's check of its own tools). */
async function peerPair(lab: Lab, serverScript: string[], clientScript: string[]): Promise<void> {
  const s = lab.run(PYTHON, [PEER, 'server', '127.0.0.1', P, ...serverScript]);
  await lab.bound(s, PORT);
  const c = lab.run(PYTHON, [PEER, 'client', '127.0.0.1', P, ...clientScript]);
  expect([await s.exited(), await c.exited(), s.stderr() + c.stderr()]).toEqual([0, 0, '']);
}
