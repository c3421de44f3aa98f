import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DARWIN_LSOF_ARGS, darwinNetstatArgs } from '../../src/inventory/darwin/collect.js';
import type { Snapshot } from '../../src/model/index.js';
import { makeFakeTools, type FakeTools } from '../helpers/fake-tools.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../helpers/bsd-sockets.py', import.meta.url));
const PS_FACTS = ['-o', 'pid=', '-o', 'uid=', '-o', 'user=', '-o', 'lstart=', '-o', 'command=', '-p', '*'];

interface Info {
  readonly tcp: { readonly port: number };
}

/**
 * Runs the CLI in a private mount namespace whose /proc is an empty tmpfs (we are root): a verb that reads
 * a Linux-only path there finds nothing, as it would on macOS.
 */
async function withoutProc(tools: FakeTools, args: readonly string[]) {
  const env = { ...process.env, PATH: tools.path, PORTSCOPE_PLATFORM: 'darwin' };
  const argv = ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /proc && exec "$@"', 'sh'];
  try {
    const { stdout, stderr } = await run('unshare', [...argv, process.execPath, BIN, ...args], {
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('verbs with PORTSCOPE_PLATFORM=darwin and /proc hidden', () => {
  let fixture: Fixture<Info>;
  let tools: FakeTools;
  let captures: FakeTools;

  beforeAll(async () => {
    fixture = await startFixture<Info>('python3', [SCRIPT]);
    // lsof and ps need /proc on this machine: their outputs are captured first, then replayed.
    const captured = (name: string, tool: string, args: readonly string[]) => {
      const file = join(captures.dir, name);
      writeFileSync(file, execFileSync(tool, args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }));
      return file;
    };
    captures = makeFakeTools({});
    const lsof = captured('lsof.out', 'lsof', [...DARWIN_LSOF_ARGS, '-a', '-p', String(fixture.pid)]);
    const ps = captured('ps.out', 'ps', [...PS_FACTS.slice(0, -1), String(fixture.pid)]);
    tools = makeFakeTools({
      netstat: [
        { args: darwinNetstatArgs('tcp'), fixture: ['darwin', 'netstat-tcp-sequoia.txt'] },
        { args: darwinNetstatArgs('udp'), fixture: ['darwin', 'netstat-udp-sierra.txt'] },
      ],
      lsof: [{ args: DARWIN_LSOF_ARGS, file: lsof }],
      ps: [{ args: PS_FACTS, file: ps }],
    });
  });
  afterAll(async () => {
    await fixture.stop();
    tools.remove();
    captures.remove();
  });

  it('the hidden /proc is empty there', async () => {
    const { stdout } = await run('unshare', [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs none /proc && ls -A /proc | wc -l',
    ]);
    expect(stdout.trim()).toBe('0');
  });

  it('ls lists from the macOS tools alone', async () => {
    const { code, stdout } = await withoutProc(tools, ['ls', '-tuap', '--json']);
    expect(code).toBe(0);
    const sockets = (JSON.parse(stdout) as Snapshot).sockets;
    expect(sockets.find((s) => s.local.port === fixture.info.tcp.port)?.owners[0]?.pid).toBe(fixture.pid);
    expect(sockets.filter((s) => s.peer.port === 443)).toHaveLength(4 + 2);
  });

  it('free, wait, scan, nc -z and info work', async () => {
    const port = String(fixture.info.tcp.port);
    const free = await withoutProc(tools, ['free']);
    expect(free.code).toBe(0);
    expect(Number(free.stdout.trim())).toBeGreaterThan(0);
    expect(await withoutProc(tools, ['wait', `127.0.0.1:${port}`, '--timeout', '5000'])).toMatchObject({ code: 0 });
    const scan = await withoutProc(tools, ['scan', '127.0.0.1', '-p', port]);
    expect(scan.stdout).toMatch(new RegExp(`${port}/tcp\\s+open`));
    expect((await withoutProc(tools, ['nc', '-z', '127.0.0.1', port])).stdout).toContain('open');
    const info = await withoutProc(tools, ['info', 'postgresql']);
    expect(info.stdout).toMatch(/postgresql\s+5432\/tcp/);
    const doctor = await withoutProc(tools, ['doctor', port]);
    expect(doctor.stdout).toContain(`accepted a connection on port ${port}`);
    expect(doctor.stdout).toContain(`python3 (pid ${String(fixture.pid)}, user root)`);
    const held = await withoutProc(tools, ['info', '50000']);
    // macOS's port settings, not Linux's (32768-60999, unprivileged from 1024) read from a /proc that is not there.
    expect(held.stdout).toContain('Kernel: in the ephemeral range 49152-65535');
    expect(held.stdout).toContain('unprivileged (start 0)');
  });
});
