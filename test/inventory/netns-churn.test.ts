import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import { readNamespaceTables, type TableQuery } from '../../src/inventory/linux/tables.js';
import { builtCli, builtCliArgv, canMakeNetns } from '../helpers/system.js';

const run = promisify(execFile);

function readNetns(pid: number | string | undefined): string {
  try {
    return readlinkSync(`/proc/${String(pid)}/ns/net`);
  } catch {
    return '';
  }
}

/** Runs the built CLI (at most 20 s) and resolves with its stderr, whatever its exit code. */
function stderrOf(args: string[]): Promise<string> {
  const [node = '', ...rest] = builtCliArgv(...args);
  return new Promise((resolve) => {
    execFile(node, rest, { timeout: 20_000, maxBuffer: 1 << 26 }, (_error, _stdout, stderr) => {
      resolve(stderr);
    });
  });
}

async function waitUntil(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !ready();) {
    if (Date.now() > end) throw new Error(`not ready within ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const EVERY_TABLE: TableQuery = {
  protocols: new Set(['tcp', 'udp', 'udplite', 'raw', 'unix']),
  families: new Set(['inet', 'inet6', 'unix']),
  tcpListenersOnly: false,
  tcpStateMask: 0xffffffff,
};

describe('a namespace whose processes have all exited', () => {
  // A pid that existed and is gone: the namespace group was made before its member exited.
  const exited = spawnSync('true').pid;

  it.each([
    ['native', nativeAddon() ?? null],
    ['procfs', null],
  ] as const)('is gone, with no TABLE_UNREADABLE warning (%s)', (_backend, addon) => {
    const warnings: { code: string; message: string }[] = [];
    const group = { netns: 1, isHost: false, pids: [exited], tableDir: `/proc/${String(exited)}/net` };
    const tables = readNamespaceTables(group, EVERY_TABLE, warnings, addon);
    expect(warnings).toEqual([]);
    expect(tables).toEqual({ sockets: [], sources: [], gone: true });
  });
});

describe.skipIf(!canMakeNetns || !builtCli)('namespaces deleted while `ls` lists them', () => {
  const prefix = `pschurn-${String(process.pid)}-`;
  const COUNT = 24;
  const holders: ChildProcess[] = [];

  afterAll(() => {
    for (const h of holders) h.kill('SIGKILL');
    for (let i = 0; i < COUNT; i++) spawnSync('ip', ['netns', 'del', `${prefix}${String(i)}`], { stdio: 'ignore' });
  });

  it('print no warning (and at most one line with --verbose)', async () => {
    for (let i = 0; i < COUNT; i++) {
      const name = `${prefix}${String(i)}`;
      execFileSync('ip', ['netns', 'add', name]);
      // `ip netns exec` execs sleep in the same pid: a member process, cheaper than a listener here.
      holders.push(spawn('ip', ['netns', 'exec', name, 'sleep', '30'], { stdio: 'ignore' }));
    }
    await waitUntil(() => holders.every((h) => readNetns(h.pid) !== readNetns('self')));
    // Take the namespaces away one by one (process, then name) while listings run back to back.
    const state = { removing: true };
    const removal = (async () => {
      for (let i = 0; i < COUNT; i++) {
        holders[i]?.kill('SIGKILL');
        await run('ip', ['netns', 'del', `${prefix}${String(i)}`]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      state.removing = false;
    })();
    const outputs: { args: string[]; stderr: string }[] = [];
    for (let round = 0; round < 8 && (state.removing || round < 2); round++) {
      const args = round % 2 === 0 ? ['ls', '-a'] : ['ls', '-a', '--verbose'];
      const stderr = await stderrOf(args);
      outputs.push({ args, stderr });
    }
    await removal;
    for (const { args, stderr } of outputs) {
      const lines = stderr.split('\n').filter((l) => l !== '');
      if (args.includes('--verbose')) {
        expect(lines.length).toBeLessThanOrEqual(1);
        for (const line of lines) expect(line).toMatch(/went away while being listed/);
      } else {
        expect(lines).toEqual([]);
      }
    }
  }, 60_000);
});
