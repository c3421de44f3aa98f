import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/inventory/index.js';
import { runScan, type ScanSummary } from '../../src/index.js';
import { openConnect } from '../../src/scan/connect-backend.js';
import { openNativeConnect } from '../../src/scan/probes/native-connect.js';
import { connectBackends, nativeConnectMissing } from '../helpers/connect-backends.js';
import { builtCli, builtCliArgv, canMakeNetnsFor, hasTool } from '../helpers/system.js';
import { probeAll, socketFds } from '../helpers/native-loop.js';
import { useStalledListener } from '../helpers/stalled-listener.js';

const root = new URL('../../', import.meta.url).pathname;

interface LoopAddon {
  connectLoopOpen(onResults: (records: Uint32Array) => void): object;
  connectLoopSubmit(handle: object, probes: Buffer): void;
  connectLoopClose(handle: object): void;
}

const native = nativeConnectMissing === undefined;
let listener: Server;
let open = 0;
let closed = 0;

beforeAll(async () => {
  listener = createServer((s) => {
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  open = (listener.address() as { port: number }).port;
  const spare = createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  closed = (spare.address() as { port: number }).port;
  await new Promise<void>((resolve) =>
    spare.close(() => {
      resolve();
    }),
  );
});
afterAll(() => {
  listener.close();
});

describe.skipIf(!native)('the native connect loop (addon level)', () => {
  it('reports every probe once, in batches, with codes and round trips', async () => {
    const addon = nativeAddon() as unknown as LoopAddon;
    const count = 300;
    const batches: number[] = [];
    const seen = new Map<number, [number, number]>();
    let finish: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (finish = resolve));
    const handle = addon.connectLoopOpen((records) => {
      const codes = new Int32Array(records.buffer, records.byteOffset, records.length);
      batches.push(records.length / 3);
      for (let i = 0; i < records.length; i += 3) seen.set(records[i] ?? 0, [codes[i + 1] ?? 0, records[i + 2] ?? 0]);
      if (seen.size === count) finish();
    });
    const probes = Buffer.alloc(28 * count);
    for (let i = 0; i < count; i++) {
      probes.writeUInt32LE(i + 1, i * 28);
      probes.writeUInt32LE(2_000_000, i * 28 + 4);
      probes.writeUInt16LE(i === 0 ? open : closed, i * 28 + 8);
      probes.writeUInt8(4, i * 28 + 10);
      Buffer.from([127, 0, 0, 1]).copy(probes, i * 28 + 12);
    }
    addon.connectLoopSubmit(handle, probes);
    const timer = setTimeout(finish, 5000);
    await all;
    clearTimeout(timer);
    addon.connectLoopClose(handle);
    expect(seen.size).toBe(count);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(count);
    // One call per probe would be 300; the thread hands over whatever has come in since the last.
    expect(batches.length).toBeLessThan(count);
    expect(seen.get(1)?.[0]).toBe(0);
    expect([...seen].filter(([id]) => id !== 1).every(([, [code]]) => code === constants.errno.ECONNREFUSED)).toBe(
      true,
    );
    expect([...seen.values()].every(([, rttUs]) => rttUs < 2_000_000)).toBe(true);
  });

  it.each([1, 2, 3])(
    'answers each of 2,000 probes started in one turn once, on %i thread(s) (the batch grows; each thread starts its share in chunks)',
    async (lanes) => {
      const loop = openNativeConnect(lanes);
      const count = 2000;
      const targets = Array.from({ length: count }, (_, i) => ({ port: i === count - 1 ? open : closed }));
      const outcomes = await probeAll(loop, targets).finally(() => {
        loop.close();
      });
      expect([...outcomes.values()].every((list) => list.length === 1)).toBe(true);
      expect(outcomes.get(count - 1)).toEqual(['open']);
      expect([...outcomes].filter(([, [state]]) => state === 'closed')).toHaveLength(count - 1);
    },
  );

  it('runs on the threads asked for, and stops them all on close', () => {
    const threads = () => readdirSync('/proc/self/task').length;
    const before = threads();
    const loop = openNativeConnect(2);
    const running = threads() - before;
    loop.close();
    expect(running).toBe(2);
    expect(threads()).toBe(before);
    expect(() => openNativeConnect(0)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'Expected lanes to be an integer 1-16, got `0`' }),
    );
    // A port worker's loop (openConnect's lanes): one thread.
    const one = openConnect('native', [{ address: '127.0.0.1', family: 4 }], 1);
    const workerThreads = threads() - before;
    one.close();
    expect(workerThreads).toBe(1);
  });
});

describe.each(connectBackends('the cancellation test'))('cancellation (%s connect loop)', (connectBackend) => {
  const listener = useStalledListener('0.0.0.0');

  it.skipIf(!hasTool('python3', 'the cancellation test'))(
    'an abort closes every probe socket in flight before the scan rejects',
    async () => {
      const before = socketFds();
      const controller = new AbortController();
      let sawInFlight = 0;
      const running = runScan(['127.0.0.1-40'], {
        connectBackend,
        ports: String(listener.port),
        ping: false,
        initialRttTimeoutMs: 10_000,
        maxRttTimeoutMs: 10_000,
        signal: controller.signal,
      });
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && sawInFlight < 30) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        sawInFlight = socketFds() - before;
      }
      controller.abort();
      await expect(running).rejects.toMatchObject({ code: 'ABORTED' });
      expect(sawInFlight).toBeGreaterThanOrEqual(30);
      // The JavaScript loop closes its sockets as the abort settles each probe; the native one joins its thread.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(socketFds()).toBe(before);
      const ss = execFileSync('ss', ['-tnH', 'state', 'syn-sent', `dport = :${String(listener.port)}`], {
        encoding: 'utf8',
      });
      expect(ss.trim()).toBe('');
    },
  );
});

describe.skipIf(!native || !canMakeNetnsFor('the self-connect test') || !builtCli)(
  'the self-connect check on the native loop',
  () => {
    const ns = `psnscan-${String(process.pid)}`;
    beforeAll(() => {
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      // One ephemeral port: a connect to 127.0.0.1 on it can only pick it, and connects to itself.
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=40000 40000']);
    });
    afterAll(() => {
      spawnSync('ip', ['netns', 'del', ns]);
    });

    it('retries a socket connected to itself and never reports it open', () => {
      // Exit 1: no port is open.
      const out = spawnSync(
        'ip',
        ['netns', 'exec', ns, ...builtCliArgv('scan', '127.0.0.1', '-p', '40000', '-Pn', '--json')],
        { encoding: 'utf8', env: { ...process.env, PORTSCOPE_SCAN_BACKEND: 'native' }, timeout: 20_000 },
      ).stdout;
      const report = JSON.parse(out) as { ports: { state: string; error?: string }[]; summary: ScanSummary };
      expect(report.summary.connect).toEqual({ backend: 'native' });
      expect(report.ports).toMatchObject([{ state: 'closed', error: 'self-connect' }]);
      expect(report.summary.probes.selfConnects).toBeGreaterThanOrEqual(1);
    });
  },
);

describe.skipIf(!builtCli)('choosing the connect loop', () => {
  const scanJson = (cli: string[], env: Record<string, string>) =>
    spawnSync(
      cli[0] ?? '',
      [...cli.slice(1), 'scan', '127.0.0.1', '-p', `${String(open)},${String(closed)}`, '-Pn', '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, PORTSCOPE_SCAN_BACKEND: '', PORTSCOPE_BACKEND: '', ...env },
        timeout: 20_000,
      },
    );
  const node = builtCliArgv();

  it('falls back to JavaScript without the addon, says why in summary.connect, and refuses native there', () => {
    // The bundled CLI and package.json, without build/: an install where the addon did not build.
    const dir = mkdtempSync(join(tmpdir(), 'portscope-noaddon-'));
    for (const part of ['bin', 'dist/bundle', 'package.json'])
      cpSync(join(root, part), join(dir, part), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    try {
      const cli = [process.execPath, join(dir, 'bin/portscope.js')];
      const auto = scanJson(cli, {});
      const report = JSON.parse(auto.stdout) as { ports: { port: number; state: string }[]; summary: ScanSummary };
      expect(report.summary.connect).toEqual({ backend: 'javascript', reason: 'the native addon is not built' });
      expect(report.ports.map((p) => [p.port, p.state]).sort()).toEqual(
        [
          [open, 'open'],
          [closed, 'closed'],
        ].sort(),
      );
      const forced = scanJson(cli, { PORTSCOPE_SCAN_BACKEND: 'native' });
      expect(forced.status).toBe(3);
      expect(forced.stderr).toMatch(/native connect loop.*the native addon is not built/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!native)(
    'runs native by default, JavaScript when PORTSCOPE_SCAN_BACKEND or PORTSCOPE_BACKEND=procfs says so',
    () => {
      const connectOf = (env: Record<string, string>) =>
        (JSON.parse(scanJson(node, env).stdout) as { summary: ScanSummary }).summary.connect;
      expect(connectOf({})).toEqual({ backend: 'native' });
      expect(connectOf({ PORTSCOPE_SCAN_BACKEND: 'javascript' })).toEqual({ backend: 'javascript' });
      expect(connectOf({ PORTSCOPE_BACKEND: 'procfs' })).toEqual({ backend: 'javascript' });
    },
  );

  it('refuses an unknown PORTSCOPE_SCAN_BACKEND and connectBackend in one line', async () => {
    const bad = scanJson(node, { PORTSCOPE_SCAN_BACKEND: 'epoll' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'portscope: Expected PORTSCOPE_SCAN_BACKEND to be auto, native or javascript, got `epoll`\n',
    );
    await expect(runScan(['127.0.0.1'], { ports: '1', connectBackend: 'epoll' as 'native' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
