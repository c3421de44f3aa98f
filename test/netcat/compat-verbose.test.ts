import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/index.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

// `-v` under --compat speaks the tool's lines, which scripts wait for: each session is run with the
// real tool and with portscope, and their stderr lines compared with the numbers masked.
const hasTools = ['ncat', 'nc.openbsd'].map((tool) => hasTool(tool, 'nc --compat -v tests')).every(Boolean);

afterEach(() => {
  killAll();
});

async function freePort(): Promise<number> {
  const [port] = await findFreePort({ protocol: 'tcp', host: '127.0.0.1' });
  if (port === undefined) throw new Error('no free port');
  return port;
}

type Start = (args: readonly string[], stdin?: 'pipe' | 'ignore') => Running;
const real =
  (tool: string): Start =>
  (args, stdin = 'ignore') =>
    startProcess(tool, args, 10_000, stdin);
const ours =
  (compat: string): Start =>
  (args, stdin = 'ignore') =>
    startNc(['--compat', compat, ...args], 10_000, stdin);

/**
 * Ports, byte counts and times masked; ncat's version banner dropped (portscope is not ncat 7.93);
 * the program name of OpenBSD nc's errors is `nc` on OpenBSD, `nc.openbsd` on Debian.
 */
const shape = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('Ncat: Version'))
    .map((line) =>
      line
        .replace(/^nc\.openbsd:/, 'nc:')
        .replace(/\d+\.\d+ seconds/, 'T seconds')
        .replace(/\d+/g, 'N'),
    );

/** A listener with -v, one client with -v and stdin at /dev/null: both stderrs. */
async function session(start: Start, listenArgs: readonly string[], clientArgs: readonly string[], port: number) {
  const listener = start([...listenArgs, '-v', '-l', '127.0.0.1', String(port)]);
  await listener.waitForStderr(/Listening on/);
  const client = start([...clientArgs, '-v', '127.0.0.1', String(port)]);
  await Promise.all([client.exited(), listener.exited()]);
  return { listener: shape(listener.stderr()), client: shape(client.stderr()) };
}

/**
 * A unix socket listener (`-u`: datagram) and one client sending `hi`, both with -v: both stderrs,
 * with the socket paths (the client's own datagram path is a temporary name) masked as P.
 */
async function unixSession(start: Start, args: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'portscope-verbose-'));
  try {
    const path = join(dir, 'listen.sock');
    const listener = start([...args, '-v', '-l', '-U', path]);
    await listener.waitForStderr(/Listening on/);
    const client = start([...args, '-v', '-U', path], 'pipe');
    client.child.stdin?.end('hi\n');
    await client.exited();
    await listener.waitForStderr(/Connection from [^\n]*\n/);
    listener.child.kill('SIGTERM');
    await listener.exited();
    // ncat's listener may also print `connect: No such file or directory` (it answers a client
    // that has deleted its path already): only the Ncat: lines are compared.
    const masked = (text: string) =>
      shape(text.replace(/\/[^\s\]]*[^\s.\]]/g, 'P')).filter((line) => line.startsWith('Ncat: '));
    return { listener: masked(listener.stderr()), client: masked(client.stderr()) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(hasTools)('nc --compat -v prints the lines of the tool', () => {
  it.for([
    ['stream', []],
    ['datagram', ['-u']],
  ] as const)('ncat 7.93: a unix %s socket', async ([, args]) => {
    const theirs = await unixSession(real('ncat'), args);
    const mine = await unixSession(ours('ncat'), args);
    expect(theirs.listener[0]).toBe('Ncat: Listening on P');
    expect(mine).toEqual(theirs);
  });

  it('ncat 7.93: Listening on, Connection from, Connected to, the byte counts', async () => {
    const theirs = await session(real('ncat'), [], [], await freePort());
    const mine = await session(ours('ncat'), [], [], await freePort());
    expect(theirs.listener).toEqual([
      'Ncat: Listening on N.N.N.N:N',
      'Ncat: Connection from N.N.N.N.',
      'Ncat: Connection from N.N.N.N:N.',
    ]);
    expect(mine).toEqual(theirs);
  });

  it('nc.openbsd: Listening on, Connection received on, Connection to ... succeeded!', async () => {
    const theirs = await session(real('nc.openbsd'), ['-n'], ['-n', '-N'], await freePort());
    const mine = await session(ours('openbsd'), ['-n'], ['-n', '-N'], await freePort());
    expect(theirs).toEqual({
      listener: ['Listening on N.N.N.N N', 'Connection received on N.N.N.N N'],
      client: ['Connection to N.N.N.N N port [tcp/*] succeeded!'],
    });
    expect(mine).toEqual(theirs);
  });

  it('-z -v: the open port and the refused one, as each tool words them', async () => {
    const listener = startNc(['-k', '-l', '127.0.0.1', '0', '-v'], 30_000, 'ignore');
    const [, open = ''] = await listener.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
    const closed = String(await freePort());
    const run = async (start: Start, args: readonly string[]) => {
      const tool = start(args);
      const code = await tool.exited();
      return { code, stdout: tool.stdout().toString(), stderr: shape(tool.stderr()) };
    };
    const cases = (['nc.openbsd', 'ncat'] as const).flatMap((tool) =>
      // ncat takes one port per run, so each port is a run of its own for both tools.
      [closed, open].map(async (port) => {
        const args = ['-z', '-v', '-w', '5', '127.0.0.1', port];
        const compat = tool === 'ncat' ? 'ncat' : 'openbsd';
        const [theirs, mine] = await Promise.all([run(real(tool), args), run(ours(compat), args)]);
        return { tool, port, theirs, mine };
      }),
    );
    for (const { theirs, mine } of await Promise.all(cases)) expect(mine).toEqual(theirs);
    expect((await Promise.all(cases)).map((c) => c.theirs.code)).toEqual([1, 0, 1, 0]);
  });
});
