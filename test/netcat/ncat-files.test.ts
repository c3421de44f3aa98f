import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/index.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';
import { hasTool } from '../helpers/system.js';

// ncat's -o/-x files and --allowfile/--denyfile, each run with ncat 7.93 and with
// `portscope nc --compat ncat` on the same session, the results compared.
const hasNcat = hasTool('ncat', 'nc ncat files tests') && hasTool('python3', 'nc ncat files tests');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portscope-ncfiles-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  killAll();
});

async function freePort(): Promise<number> {
  const [port] = await findFreePort({ protocol: 'tcp', host: '127.0.0.1' });
  if (port === undefined) throw new Error('no free port');
  return port;
}

type Start = (args: readonly string[]) => Running;
const tools: readonly (readonly [string, Start])[] = [
  ['ncat', (args) => startProcess('ncat', args, 15_000, 'ignore')],
  ['portscope', (args) => startNc(['--compat', 'ncat', ...args], 15_000, 'ignore')],
];

/** A bounded python peer: `send` connects, sends every byte value 40 times in one write, closes; `serve` answers once. */
const PEER = `
import socket, sys
mode, port = sys.argv[1], int(sys.argv[2])
if mode == 'send':
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    s.sendall(bytes(range(256)) * 40)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(10)
    while s.recv(4096): pass
else:
    l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1); l.settimeout(10)
    print(l.getsockname()[1], flush=True)
    c, _ = l.accept(); c.settimeout(10)
    got = b''
    while True:
        d = c.recv(4096)
        if not d: break
        got += d
    c.sendall(b'got %d bytes: ' % len(got) + got.upper())
    c.close()
`;
const python = (...args: string[]) => startProcess('python3', ['-c', PEER, ...args], 15_000, 'ignore');

async function waitListening(port: number, tool: Running): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const probe = startProcess('ss', ['-Htln', `sport = :${String(port)}`], 5000, 'ignore');
    await probe.exited();
    if (probe.stdout().toString().trim() !== '') return;
    if (tool.child.exitCode !== null) throw new Error(`the listener exited: ${tool.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on ${String(port)}`);
}

describe.runIf(hasNcat)('nc --compat ncat: -o and -x files as ncat writes them', () => {
  it('a listener: -o holds the bytes, -x the dump in 8 KiB reads; an existing file is truncated', async () => {
    const files: Record<string, { raw: Buffer; hex: string }> = {};
    for (const [name, start] of tools) {
      const raw = join(dir, `${name}-listen.out`);
      const hex = join(dir, `${name}-listen.hex`);
      writeFileSync(raw, 'older content\n');
      const port = await freePort();
      const listener = start(['-l', '127.0.0.1', String(port), '-o', raw, '-x', hex]);
      await waitListening(port, listener);
      await python('send', String(port)).exited();
      expect(await listener.exited()).toBe(0);
      files[name] = { raw: readFileSync(raw), hex: readFileSync(hex, 'utf8') };
    }
    expect(files.ncat?.raw).toEqual(Buffer.from(Array.from({ length: 10_240 }, (_, i) => i % 256)));
    expect(files.ncat?.hex.split('\n').filter((l) => l.startsWith('0000   '))).toHaveLength(2);
    expect(files.portscope).toEqual(files.ncat);
  });

  it('a client with --append-output: what it sent, then what it received, after the old content', async () => {
    const stdin = join(dir, 'client-stdin');
    writeFileSync(stdin, 'hello, peer\nsecond line\t\u00e9\n');
    const files: Record<string, { raw: string; hex: string; stdout: string }> = {};
    for (const name of ['ncat', 'portscope']) {
      const raw = join(dir, `${name}-client.out`);
      const hex = join(dir, `${name}-client.hex`);
      writeFileSync(raw, 'kept\n');
      writeFileSync(hex, 'kept\n');
      const peer = python('serve', '0');
      await peer.waitForStdout('\n');
      const port = peer.stdout().toString().trim();
      const args = ['--append-output', '-o', raw, '-x', hex, '127.0.0.1', port];
      const fd = openSync(stdin, 'r');
      const client =
        name === 'ncat' ? startProcess('ncat', args, 15_000, fd) : startNc(['--compat', 'ncat', ...args], 15_000, fd);
      closeSync(fd);
      expect(await client.exited()).toBe(0);
      files[name] = {
        raw: readFileSync(raw, 'utf8'),
        hex: readFileSync(hex, 'utf8'),
        stdout: client.stdout().toString(),
      };
    }
    expect(files.ncat?.raw).toMatch(/^kept\nhello, peer\n.*got \d+ bytes: HELLO, PEER\n/s);
    expect(files.portscope).toEqual(files.ncat);
  });
});

describe.runIf(hasNcat)('nc --compat ncat: --allowfile, --denyfile and host names', () => {
  /** Runs a -k listener with `access` and one client from each source address; what reached stdout. */
  async function served(start: Start, access: readonly string[], sources: readonly string[]): Promise<string[]> {
    const port = await freePort();
    const listener = start(['-k', '-l', '127.0.0.1', String(port), ...access]);
    await waitListening(port, listener);
    await Promise.all(
      sources.map((source) =>
        startProcess(
          'sh',
          ['-c', `echo from ${source} | exec ncat -s ${source} 127.0.0.1 ${String(port)}`],
          10_000,
          'ignore',
        ).exited(),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    listener.child.kill('SIGTERM');
    await listener.exited();
    return listener.stdout().toString().split('\n').filter(Boolean).sort();
  }

  // ncat 7.93 reads `#` as a host name (exit 2); portscope takes `#` to the end of a line as a
  // comment, so ncat is given the file without them.
  it.each([
    ['an allowfile of one address, with comments', 'allow', '# only the second address\n127.0.0.2  # this one\n'],
    ['a denyfile with an nmap-style range', 'deny', '127.0.0.2-3\n'],
    ['an empty allowfile (nobody)', 'allow', ''],
    ['an allowfile naming a host', 'allow', 'localhost\n'],
  ])('%s', async (what, kind, content) => {
    const file = join(dir, `${kind}-${String(content.length)}`);
    const bare = `${file}.bare`;
    writeFileSync(file, content);
    writeFileSync(bare, content.replace(/#.*/g, ''));
    const sources = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const [theirs, mine] = await Promise.all([
      served(tools[0]?.[1] ?? startNc, [`--${kind}file`, bare], sources),
      served(tools[1]?.[1] ?? startNc, [`--${kind}file`, file], sources),
    ]);
    expect(mine).toEqual(theirs);
    expect(theirs.length, what).toBeLessThan(3);
  });

  it('--allow takes a host name, resolved once at the start', async () => {
    const results: string[][] = [];
    for (const [, start] of tools)
      results.push(await served(start, ['--allow', 'localhost'], ['127.0.0.1', '127.0.0.2']));
    expect(results[0]).toEqual(['from 127.0.0.1']);
    expect(results[1]).toEqual(results[0]);
  });
});
