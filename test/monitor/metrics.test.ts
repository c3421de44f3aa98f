import { execFileSync } from 'node:child_process';
import { connect, type Socket as NetSocket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMetrics, sampleSnapshot, type SampleSources } from '../../src/monitor/index.js';
import type { Snapshot, Socket } from '../../src/model/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { asRoot, hasTool } from '../helpers/system.js';

const fixturePath = new URL('../helpers/backlog-listener.py', import.meta.url).pathname;

/** The sample lines of `name` in an exposition, as label maps with their value. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const labels: Record<string, string> = {};
      for (const m of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
      return { labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) };
    });
}

describe.skipIf(!asRoot('collectMetrics on the real machine'))('collectMetrics', () => {
  let fixture: Fixture<{ port: number }>;
  const clients: NetSocket[] = [];
  let text = '';

  beforeAll(async () => {
    fixture = await startFixture<{ port: number }>('python3', [fixturePath, '127.0.0.1', '5']);
    for (let i = 0; i < 2; i++) {
      const client = connect(fixture.info.port, '127.0.0.1');
      await once(client, 'connect');
      clients.push(client);
    }
    text = await collectMetrics({ netns: 'host' });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await fixture.stop();
  });

  it('publishes the listener with its owner, and no pid label anywhere', () => {
    const port = String(fixture.info.port);
    const mine = series(text, 'portscope_listener_info').filter((s) => s.labels.port === port);
    expect(mine).toEqual([
      {
        labels: {
          netns: 'host',
          protocol: 'tcp',
          family: 'inet',
          address: '127.0.0.1',
          port,
          process: 'python3',
          user: 'root',
          unit: expect.any(String) as string,
          container: '',
        },
        value: 1,
      },
    ]);
    expect(text).not.toMatch(/\bpid="/);
    expect(text).toMatch(/^portscope_up 1$/m);
  });

  it('publishes the accept queue: two waiting connections of the backlog of 5', () => {
    const labels = { netns: 'host', protocol: 'tcp', address: '127.0.0.1', port: String(fixture.info.port) };
    expect(series(text, 'portscope_listener_accept_queue_length')).toContainEqual({ labels, value: 2 });
    expect(series(text, 'portscope_listener_accept_queue_limit')).toContainEqual({ labels, value: 5 });
  });

  it('publishes the namespace counters and socket counts', () => {
    const overflows = series(text, 'portscope_listen_overflows_total').find((s) => s.labels.netns === 'host');
    expect(overflows?.value).toBeGreaterThanOrEqual(0);
    expect(series(text, 'portscope_listen_drops_total').some((s) => s.labels.netns === 'host')).toBe(true);
    const established = series(text, 'portscope_sockets').find(
      (s) => s.labels.netns === 'host' && s.labels.protocol === 'tcp' && s.labels.state === 'ESTABLISHED',
    );
    expect(established?.value).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(!hasTool('promtool', 'promtool check metrics'))('passes promtool check metrics', () => {
    expect(() => execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: 'pipe' })).not.toThrow();
  });
});

describe('sampleSnapshot', () => {
  const sources: SampleSources = { ephemeral: { from: 32768, to: 60999 }, netstatOf: () => undefined };
  const base = {
    protocol: 'tcp',
    family: 'inet',
    state: 'LISTEN',
    local: { address: '0.0.0.0', port: 80 },
    peer: { address: '0.0.0.0', port: 0 },
    recvQ: 1,
    sendQ: 128,
    inode: 1,
    uid: 33,
    netns: 7,
    owners: [],
    ownerStatus: 'none',
  } as const;
  const snapshot = (sockets: object[], sources: ('sock_diag' | 'procfs')[] = ['sock_diag']): Snapshot => ({
    schemaVersion: 1,
    takenAt: '',
    host: '',
    platform: 'linux',
    namespaces: [{ netns: 7, isHost: true, pids: 1, sources }],
    warnings: [],
    sockets: sockets as Socket[],
  });

  it('sums an SO_REUSEPORT group and keeps one listener per owner set', () => {
    const sample = sampleSnapshot(snapshot([base, { ...base, recvQ: 2 }]), sources);
    expect(sample.acceptQueues).toEqual([
      { labels: { netns: 'host', protocol: 'tcp', address: '0.0.0.0', port: '80' }, length: 3, limit: 256 },
    ]);
    expect(sample.listeners).toHaveLength(1);
    expect(sample.listeners[0]?.user).toBe('33');
  });

  it('never turns an absent Recv-Q, Send-Q or uid into 0', () => {
    const bare = Object.fromEntries(Object.entries(base).filter(([key]) => !['recvQ', 'sendQ', 'uid'].includes(key)));
    const sample = sampleSnapshot(snapshot([bare]), sources);
    expect(sample.acceptQueues).toEqual([]);
    expect(sample.listeners[0]?.user).toBe('');
  });

  it('publishes no limit where /proc/net/tcp was read (it shows 0 there)', () => {
    const sample = sampleSnapshot(snapshot([base], ['procfs']), sources);
    expect(sample.acceptQueues).toEqual([
      { labels: { netns: 'host', protocol: 'tcp', address: '0.0.0.0', port: '80' }, length: 1 },
    ]);
  });

  it('takes UDP sockets bound outside the ephemeral range as listeners, clients inside it not', () => {
    const udp = { ...base, protocol: 'udp', state: 'UNCONN' };
    const ports = [53, 40000].map((port) => ({ ...udp, local: { address: '0.0.0.0', port } }));
    const connected = { ...udp, state: 'ESTABLISHED', local: { address: '10.0.0.1', port: 53 } };
    const sample = sampleSnapshot(snapshot([...ports, connected]), sources);
    expect(sample.listeners.map((l) => l.port)).toEqual(['53']);
    expect(sample.sockets).toContainEqual({ netns: 'host', protocol: 'udp', state: 'UNCONN', count: 2 });
  });
});
