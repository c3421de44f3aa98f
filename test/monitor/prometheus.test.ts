import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import { builtCli, builtCliArgv, canMakeNetnsFor, hasTool } from '../helpers/system.js';

/**
 * The proof with a real Prometheus: it scrapes two exporters standing for two hosts, one in this
 * namespace and one in a namespace the test makes (reached through a veth pair), and its query API shows
 * a listener opened in that namespace, then shows it gone once it closes.
 */

const pid = process.pid;
const netns = `psexp${String(pid)}`;
const vethHost = `pse${String(pid)}h`;
const vethNs = `pse${String(pid)}n`;
// A /30 of 10.213.0.0/16 picked by pid, so that concurrent runs do not collide.
const block = (pid % 16_000) * 4;
const subnet = `10.213.${String(block >> 8)}.`;
const hostAddress = `${subnet}${String((block & 255) + 1)}`;
const nsAddress = `${subnet}${String((block & 255) + 2)}`;
const WAIT_MS = 20_000;
const fixturePath = new URL('../helpers/backlog-listener.py', import.meta.url).pathname;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A port that was free a moment ago (bound on port 0, then closed): Prometheus takes no port 0. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts `portscope exporter ARGS` (under `ip netns exec` when `inNetns`), adds it to `started` at once (so
 * that afterAll stops it even if it never serves), and waits for its URL.
 */
async function startExporterProcess(
  inNetns: boolean,
  listen: string,
  started: ChildProcess[],
): Promise<{ child: ChildProcess; url: string }> {
  const argv = builtCliArgv('exporter', '--listen', listen, '--min-interval', '500ms', '--netns', 'host');
  const [file, ...args] = inNetns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  const child = spawn(file ?? '', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(child);
  const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
  const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
  for await (const line of lines) {
    const m = /^portscope: serving (\S+)$/.exec(line);
    if (m?.[1] !== undefined) {
      clearTimeout(timer);
      return { child, url: m[1] };
    }
  }
  throw new Error(`the exporter (${listen}) ended before it served`);
}

/** Stops a child with SIGTERM, then SIGKILL after 5 s. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` every 250 ms until it returns a value, for at most {@link WAIT_MS}. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(WAIT_MS)} ms waiting for ${what}`);
    await sleep(250);
  }
}

const available =
  builtCli &&
  canMakeNetnsFor('the Prometheus proof') &&
  hasTool('prometheus', 'the Prometheus proof') &&
  hasTool('promtool', 'the Prometheus proof');

describe.skipIf(!available)('a real Prometheus scrapes two exporters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portscope-prometheus-'));
  let prometheus: ChildProcess | undefined;
  const exporters: ChildProcess[] = [];
  let nsUrl = '';
  let hostUrl = '';
  let api = '';

  /** Prometheus's instant query: the result vector. */
  const query = async (promql: string) => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
    return body.data.result;
  };

  beforeAll(async () => {
    ip('netns', 'add', netns);
    ip('link', 'add', vethHost, 'type', 'veth', 'peer', 'name', vethNs);
    ip('link', 'set', vethNs, 'netns', netns);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', vethHost);
    ip('link', 'set', vethHost, 'up');
    ip('-n', netns, 'addr', 'add', `${nsAddress}/30`, 'dev', vethNs);
    ip('-n', netns, 'link', 'set', vethNs, 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    const [host, inNs] = await Promise.all([
      startExporterProcess(false, '127.0.0.1:0', exporters),
      startExporterProcess(true, `${nsAddress}:0`, exporters),
    ]);
    nsUrl = inNs.url;
    hostUrl = host.url;
    const port = await freePort();
    api = `http://127.0.0.1:${String(port)}`;
    const target = (url: string) => new URL(url).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: {scrape_interval: 1s, scrape_timeout: 1s}',
        'scrape_configs:',
        `  - {job_name: host, static_configs: [{targets: ['${target(host.url)}']}]}`,
        `  - {job_name: netns, static_configs: [{targets: ['${target(inNs.url)}']}]}`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${String(port)}`,
        '--log.level=error',
      ],
      { stdio: 'ignore' },
    );
    await waitFor('Prometheus to be ready', async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    await stop(prometheus);
    for (const child of exporters) await stop(child);
    for (const args of [
      ['link', 'del', vethHost],
      ['netns', 'del', netns],
    ]) {
      try {
        ip(...args);
      } catch {
        // Already gone: deleting the namespace deletes the veth pair with it.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('scrapes both exporters: portscope_up is 1 for each job', async () => {
    const jobs = await waitFor('both targets to be scraped', async () => {
      const result = await query('portscope_up == 1');
      const names = result.map((r) => r.metric.job).sort();
      return names.length === 2 ? names : undefined;
    });
    expect(jobs).toEqual(['host', 'netns']);
  }, 30_000);

  it("answers docs/fleet.md's query: every listener of the fleet, by host", async () => {
    const promql = 'sum by (instance, netns, protocol, address, port, process, user) (portscope_listener_info)';
    const hosts = await waitFor('listeners of both hosts', async () => {
      const result = await query(promql);
      const instances = [...new Set(result.map((r) => r.metric.instance))].sort();
      return instances.length === 2 ? instances : undefined;
    });
    expect(hosts).toEqual([new URL(hostUrl).host, new URL(nsUrl).host].sort());
  }, 30_000);

  it('sees a listener opened in the namespace, then sees it go', async () => {
    let listener: Fixture<{ port: number }> | undefined = await startFixture<{ port: number }>('ip', [
      'netns',
      'exec',
      netns,
      'python3',
      fixturePath,
      '127.0.0.1',
      '5',
    ]);
    try {
      const promql = `portscope_listener_info{port="${String(listener.info.port)}"}`;
      const found = await waitFor(`${promql} in Prometheus`, async () => {
        const result = await query(promql);
        return result.length > 0 ? result : undefined;
      });
      expect(found).toHaveLength(1);
      expect(found[0]?.metric).toMatchObject({
        job: 'netns',
        netns: 'host',
        protocol: 'tcp',
        address: '127.0.0.1',
        process: 'python3',
      });
      expect(found[0]?.value[1]).toBe('1');
      await listener.stop();
      listener = undefined;
      const gone = await waitFor(`${promql} to go`, async () =>
        (await query(promql)).length === 0 ? true : undefined,
      );
      expect(gone).toBe(true);
    } finally {
      await listener?.stop();
    }
  }, 60_000);

  it('passes promtool check metrics on what the namespace exporter serves', async () => {
    const text = await (await fetch(nsUrl)).text();
    expect(text).toMatch(/^portscope_up 1$/m);
    expect(() => execFileSync('promtool', ['check', 'metrics'], { input: text, stdio: 'pipe' })).not.toThrow();
  });
});
