import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, whoOwns } from '../../src/index.js';
import { killAll, startNc, startProcess, type Running } from '../helpers/nc.js';

// The classic file transfer: `nc -l P < file` on one side, `nc host P > out` on the other, the
// receiver's stdin empty (/dev/null), so that its FIN reaches the sender at once (issue 18).

const SIZE = 20_000_000;
let dir: string;
let file: string;
let digest: string;
const fds: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portscope-transfer-'));
  file = join(dir, 'data.bin');
  const data = randomBytes(SIZE);
  writeFileSync(file, data);
  digest = sha256(data);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  killAll();
  for (const fd of fds.splice(0)) closeSync(fd);
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The test file, opened for a child's stdin. */
function fileStdin(): number {
  const fd = openSync(file, 'r');
  fds.push(fd);
  return fd;
}

const hasOpenbsd = spawnSync('nc.openbsd', ['-h']).error === undefined;

/** Our listener on port 0 with `stdin`; its port. */
async function ourListener(args: readonly string[], stdin: 'ignore' | number): Promise<{ nc: Running; port: string }> {
  const nc = startNc(['-v', '-l', ...args, '0'], 60_000, stdin);
  const [, port = ''] = await nc.waitForStderr(/[Ll]istening on 127\.0\.0\.1[: ](\d+)/);
  return { nc, port };
}

/** A free loopback port and a tool listening on it (waits until it listens, at most 10 s). */
async function toolListener(
  command: string,
  args: (port: string) => string[],
  stdin: 'ignore',
): Promise<{ tool: Running; port: string }> {
  const [free] = await findFreePort({ host: '127.0.0.1' });
  const port = String(free);
  const tool = startProcess(command, args(port), 60_000, stdin);
  for (let i = 0; i < 500; i++) {
    if ((await whoOwns(`127.0.0.1:${port}/tcp`)).sockets.some((s) => s.state === 'LISTEN')) return { tool, port };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${command} never listened on ${port}: ${tool.stderr()}`);
}

describe('portscope nc: file transfer with the receiver stdin at /dev/null', () => {
  it('the listener sends a 20 MB file to a client that sent FIN at once: all of it, byte-exact', async () => {
    const { nc: listener, port } = await ourListener([], fileStdin());
    const client = startNc(['127.0.0.1', port], 60_000, 'ignore');
    expect(await client.exited()).toBe(0);
    expect(await listener.exited()).toBe(0);
    expect(client.stdout().length).toBe(SIZE);
    expect(sha256(client.stdout())).toBe(digest);
  });

  it('the client sends a 20 MB file to a listener that sent FIN at once: all of it, byte-exact', async () => {
    const { nc: listener, port } = await ourListener([], 'ignore');
    const client = startNc(['127.0.0.1', port], 60_000, fileStdin());
    expect(await client.exited()).toBe(0);
    expect(await listener.exited()).toBe(0);
    expect(listener.stdout().length).toBe(SIZE);
    expect(sha256(listener.stdout())).toBe(digest);
  });

  it.runIf(hasOpenbsd)(
    'as nc.openbsd does: our listener to `nc.openbsd -N`, our client to `nc.openbsd -N -l`',
    async () => {
      const { nc: listener, port } = await ourListener([], fileStdin());
      const bsdClient = startProcess('nc.openbsd', ['-N', '127.0.0.1', port], 60_000, 'ignore');
      expect(await bsdClient.exited()).toBe(0);
      expect(await listener.exited()).toBe(0);
      expect(sha256(bsdClient.stdout())).toBe(digest);

      const { tool: bsdListener, port: bsdPort } = await toolListener(
        'nc.openbsd',
        (p) => ['-N', '-l', '127.0.0.1', p],
        'ignore',
      );
      const client = startNc(['127.0.0.1', bsdPort], 60_000, fileStdin());
      expect(await client.exited()).toBe(0);
      expect(await bsdListener.exited()).toBe(0);
      expect(sha256(bsdListener.stdout())).toBe(digest);
    },
  );

  it('--end-on-peer-fin and --compat openbsd (whose listener stops at the FIN) exit 1 and count the bytes not sent', async () => {
    for (const args of [['--end-on-peer-fin'], ['--compat', 'openbsd']]) {
      const { nc: listener, port } = await ourListener(args, fileStdin());
      const client = startNc(['127.0.0.1', port], 60_000, 'ignore');
      expect(await client.exited()).toBe(0);
      expect(await listener.exited()).toBe(1);
      const [, unsent = ''] =
        /portscope nc: (\d+) bytes of stdin were not sent: the peer closed first/.exec(listener.stderr()) ?? [];
      expect(Number(unsent)).toBeGreaterThan(0);
      // What arrived and what was counted as not sent make up the file, to the byte.
      expect(client.stdout().length + Number(unsent)).toBe(SIZE);
    }
  });
});
