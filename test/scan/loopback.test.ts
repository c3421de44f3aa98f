import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan, scan, udpPayload, type PortResult } from '../../src/index.js';
import { connectBackends } from '../helpers/connect-backends.js';
import { fixtureInNetns } from '../helpers/netns-fixture.js';
import { builtCli, builtCliArgv, canMakeNetnsFor } from '../helpers/system.js';

// Real listeners on loopback, on ports the kernel picks.
const servers: Server[] = [];
const udp: UdpSocket[] = [];
let tcp4 = 0;
let tcp6 = 0;
let udpEcho = 0;
let udpSilent = 0;

async function listen(host: string): Promise<number> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as { port: number }).port;
}

async function bindUdp(echo: boolean): Promise<number> {
  const socket = createSocket('udp4');
  udp.push(socket);
  if (echo) {
    socket.on('message', (m, peer) => {
      socket.send(m, peer.port, peer.address);
    });
  }
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
}

/** A port nobody holds on 127.0.0.1 (bound then released, for TCP and UDP). */
async function closedPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await listen('127.0.0.1');
    await new Promise<void>((resolve) => {
      servers.pop()?.close(() => {
        resolve();
      });
    });
    const u = createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      u.once('error', () => {
        resolve(false);
      });
      u.bind(port, '127.0.0.1', () => {
        resolve(true);
      });
    });
    u.close();
    if (free) return port;
  }
  throw new Error('no closed port found');
}

beforeAll(async () => {
  tcp4 = await listen('127.0.0.1');
  tcp6 = await listen('::1');
  udpEcho = await bindUdp(true);
  udpSilent = await bindUdp(false);
});
afterAll(() => {
  for (const s of servers) s.close();
  for (const s of udp) s.close();
});

const stateOf = (ports: PortResult[], port: number, protocol = 'tcp') =>
  ports.find((p) => p.port === port && p.protocol === protocol)?.state;

describe.each(connectBackends('the loopback scan tests'))('scan on loopback (%s connect loop)', (connectBackend) => {
  it('finds open, closed, UDP open and open|filtered ports exactly', async () => {
    const closed = await closedPort();
    const { ports, hosts, summary } = await runScan(['127.0.0.1'], {
      connectBackend,
      protocols: ['tcp', 'udp'],
      ports: `T:${String(tcp4)},${String(closed)},U:${String(udpEcho)},${String(udpSilent)},${String(closed)}`,
      ping: false,
      maxRetries: 1,
      initialRttTimeoutMs: 200,
      maxRttTimeoutMs: 300,
    });
    expect(hosts).toEqual([{ kind: 'host', address: '127.0.0.1', status: 'up', reason: 'user-set' }]);
    expect(stateOf(ports, tcp4)).toBe('open');
    expect(ports.find((p) => p.port === tcp4)).toMatchObject({ reason: 'syn-ack', tries: 1 });
    expect(ports.find((p) => p.port === closed && p.protocol === 'tcp')).toMatchObject({
      state: 'closed',
      reason: 'conn-refused',
    });
    expect(ports.find((p) => p.port === udpEcho)).toMatchObject({
      protocol: 'udp',
      state: 'open',
      reason: 'udp-response',
    });
    expect(ports.find((p) => p.port === closed && p.protocol === 'udp')).toMatchObject({
      state: 'closed',
      reason: 'port-unreach',
    });
    expect(ports.find((p) => p.port === udpSilent)).toMatchObject({
      state: 'open|filtered',
      reason: 'no-response',
      tries: 2,
    });
    expect(summary.ports).toEqual({ open: 2, closed: 2, filtered: 0, 'open|filtered': 1 });
  });

  it('scans IPv6 loopback', async () => {
    const { ports, hosts } = await runScan(['::1'], { connectBackend, ports: String(tcp6), ping: false });
    expect(hosts[0]).toMatchObject({ address: '::1', status: 'up' });
    expect(ports).toMatchObject([{ address: '::1', port: tcp6, state: 'open' }]);
  });

  it('never calls an answered port filtered, even with 1 ms time-outs (replies are read before time-outs are decided)', async () => {
    const { summary, ports } = await runScan(['127.0.0.1'], {
      connectBackend,
      ports: `1-4000,${String(tcp4)}`,
      ping: false,
      minRttTimeoutMs: 1,
      maxRttTimeoutMs: 1,
      initialRttTimeoutMs: 1,
      maxRetries: 0,
    });
    expect(summary.ports.filtered).toBe(0);
    expect(stateOf(ports, tcp4)).toBe('open');
  });

  it('stops on abort with ABORTED, and a caller that breaks out early stops the scan', async () => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 50);
    await expect(
      runScan(['127.0.0.1'], { connectBackend, ports: '-', ping: false, maxRate: 2000, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    // Breaking out of the loop ends the scan: at 2000 probes/s the whole range would outlast the test's 30 s.
    const seen: string[] = [];
    for await (const event of scan(['127.0.0.1'], { connectBackend, ports: '-', ping: false, maxRate: 2000 })) {
      seen.push(event.kind);
      if (event.kind === 'port') break;
    }
    expect(seen).toEqual(['host', 'port']);
  });

  it('tells onPlan the size of the scan before any probe, and an error it throws ends the scan there', async () => {
    const plans: unknown[] = [];
    const seen: string[] = [];
    const refused = new Error('too big');
    const run = async () => {
      for await (const event of scan(['127.0.0.1-3'], {
        connectBackend,
        ports: '1-10,U:53',
        protocols: ['tcp', 'udp'],
        ping: false,
        seed: 1,
        shard: { index: 0, count: 2 },
        onPlan: (plan) => {
          plans.push(plan);
          throw refused;
        },
      }))
        seen.push(event.kind);
    };
    await expect(run()).rejects.toBe(refused);
    // 3 hosts x 21 ports (1-10 of both protocols, and UDP 53) = 63 positions, of which shard 1/2 takes 32.
    expect(plans).toEqual([{ hosts: 3, portsPerHost: 21, results: 32 }]);
    expect(seen).toEqual([]);
  });

  it('honours --max-rate', async () => {
    const { summary } = await runScan(['127.0.0.1'], { connectBackend, ports: '1-300', ping: false, maxRate: 1000 });
    // 300 probes at 1000/s cannot finish in much under 0.3 s.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(250);
    expect(summary.probes.sent).toBe(300);
  });

  it('writes well-formed UDP requests (BER lengths of the SNMP request add up)', () => {
    const snmp = udpPayload(161);
    const walk = (bytes: Buffer, from: number, to: number): boolean => {
      for (let i = from; i < to;) {
        const tag = bytes[i] ?? 0;
        const length = bytes[i + 1] ?? 0;
        if (i + 2 + length > to) return false;
        if ((tag & 0x20) !== 0 && !walk(bytes, i + 2, i + 2 + length)) return false;
        i += 2 + length;
      }
      return true;
    };
    expect(snmp[0]).toBe(0x30);
    expect(snmp[1]).toBe(snmp.length - 2);
    expect(walk(snmp, 0, snmp.length)).toBe(true);
    expect(udpPayload(53).readUInt16BE(4)).toBe(1); // one question
    expect(udpPayload(123)).toHaveLength(48);
    expect(udpPayload(9)).toHaveLength(0);
  });
});

interface Report {
  ports: PortResult[];
  summary: { ports: Record<string, number>; probes: { sent: number } };
}

// The whole range is scanned in a namespace of its own, where only the fixture listens: on the host's
// loopback, other test files open and close listeners meanwhile, and a port that was open during the scan
// but closed by the time the test looked failed "every open port really listens".
describe
  .skipIf(!builtCli || !canMakeNetnsFor('the whole-range loopback scans'))
  .each(connectBackends('the whole-range loopback scans'))(
  'scan of all 65535 ports on the loopback of a namespace of its own (%s connect loop)',
  (connectBackend) => {
    const ns = `psloop${String(process.pid)}${connectBackend.slice(0, 1)}`;
    let holder = 0;
    fixtureInNetns<{ port: number }>(ns, 'netns-holder.py', (fixture) => {
      holder = fixture.info.port;
    });
    /** The built CLI's `scan 127.0.0.1 -p- -Pn -T4 --json ...extra` in the namespace, with `ulimit -n` set if given. */
    const scanAll = (extra: string[], fileLimit?: number): Report => {
      const argv = builtCliArgv('scan', '127.0.0.1', '-p-', '-Pn', '-T4', '--json', ...extra);
      const shell = fileLimit === undefined ? 'exec "$@"' : `ulimit -n ${String(fileLimit)} && exec "$@"`;
      const out = execFileSync('ip', ['netns', 'exec', ns, 'bash', '-c', shell, 'bash', ...argv], {
        env: { ...process.env, PORTSCOPE_SCAN_BACKEND: connectBackend },
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 120_000,
      });
      return JSON.parse(out) as Report;
    };

    it('finds the one listener with the ephemeral range in play: no other port open (none self-connected)', () => {
      const { ports, summary } = scanAll([]);
      expect(ports).toHaveLength(65535);
      expect(ports.filter((p) => p.state === 'open').map((p) => p.port)).toEqual([holder]);
      expect(summary.ports.filtered).toBe(0);
      expect(summary.probes.sent).toBeGreaterThanOrEqual(65535);
    });

    it('stays exact at ulimit -n 1024 (EMFILE is back-pressure, never a state)', () => {
      const { ports } = scanAll(['--max-parallelism', '5000'], 1024);
      expect(ports).toHaveLength(65535);
      expect(ports.filter((p) => p.state === 'filtered')).toEqual([]);
      expect(ports.filter((p) => p.state === 'open').map((p) => p.port)).toEqual([holder]);
    });
  },
);
