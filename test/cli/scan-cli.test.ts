import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteNmapFlags } from '../../src/cli/scan-argv.js';
import { cli } from '../helpers/cli.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { builtCli, builtCliArgv, canMakeNetnsFor } from '../helpers/system.js';

let open = 0;

/** Runs the built CLI in a new network namespace with only `lo` (up): no listener of this host is reachable. */
function inEmptyNetns(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...builtCliArgv(...args)], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const dir = mkdtempSync(join(tmpdir(), 'portscope-scan-cli-'));

beforeAll(async () => {
  open = (await serveLoopback()).port;
});
afterAll(closeLoopbackServers);

describe('portscope scan', () => {
  it('rewrites nmap spellings for commander', () => {
    expect(
      rewriteNmapFlags([
        '-sT',
        '-sU',
        '-sV',
        '-Pn',
        '-p-',
        '-p22,80',
        '-oX',
        'f',
        '-oG',
        'g',
        '-iL',
        'h',
        '-T4',
        '--excludefile',
        'x',
      ]),
    ).toEqual([
      '--tcp',
      '--udp',
      '--service-version',
      '--no-ping',
      '--ports',
      '-',
      '--ports',
      '22,80',
      '--output-xml',
      'f',
      '--output-grepable',
      'g',
      '--input-file',
      'h',
      '-T4',
      '--exclude-file',
      'x',
    ]);
  });

  it('prints an nmap-like table, summarises closed ports, and exits 0 when a port is open', async () => {
    const r = await cli(['scan', '127.0.0.1', '-Pn', '-p', `1-100,${String(open)}`, '--reason']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^127\.0\.0\.1: up \(user-set\)\n/);
    expect(r.stdout).toMatch(/Not shown: 100 closed tcp ports \(conn-refused\)/);
    expect(r.stdout).toMatch(
      new RegExp(`PORT\\s+STATE\\s+SERVICE\\s+REASON\\n${String(open)}/tcp\\s+open\\s+\\S*\\s*syn-ack`),
    );
    expect(r.stderr).toMatch(/^portscope: 1 host \(1 up\), 101 port results, 1 open, in [\d.]+ s \(seed \d+\)\n$/);
  });

  it('exits 1 when no port is open, and --open shows only the host line', async () => {
    const r = await cli(['scan', '127.0.0.1', '-Pn', '-p1-20', '--open']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('writes JSON, NDJSON and CSV to stdout', async () => {
    const json = JSON.parse(
      (await cli(['scan', '127.0.0.1', '-Pn', '-p', String(open), '--json', '--seed', '7'])).stdout,
    ) as { ports: unknown[]; summary: { seed: number } };
    expect(json.ports).toMatchObject([{ port: open, state: 'open', protocol: 'tcp' }]);
    expect(json.summary.seed).toBe(7);
    const nd = (await cli(['scan', '127.0.0.1', '-Pn', '-p', String(open), '--format', 'ndjson'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string });
    expect(nd.map((e) => e.kind)).toEqual(['host', 'port', 'summary']);
    const csv = (await cli(['scan', '127.0.0.1', '-Pn', '-p', String(open), '--format', 'csv'])).stdout.split('\n');
    expect(csv[0]).toBe('address,hostname,protocol,port,state,reason,rtt_ms,tries,service,banner');
    expect(csv[1]).toMatch(new RegExp(`^127\\.0\\.0\\.1,,tcp,${String(open)},open,syn-ack,`));
  });

  it('writes nmap XML and grepable files whole, reads targets and exclusions from files', async () => {
    const targets = join(dir, 'targets.txt');
    writeFileSync(targets, '# lab\n127.0.0.1 127.0.0.2\n127.0.0.3\n');
    const exclude = join(dir, 'exclude.txt');
    writeFileSync(exclude, '127.0.0.3\n');
    const xml = join(dir, 'out.xml');
    const gnmap = join(dir, 'out.gnmap');
    const r = await cli([
      'scan',
      '-iL',
      targets,
      '--excludefile',
      exclude,
      '-Pn',
      '-p',
      `1-30,${String(open)}`,
      '-oX',
      xml,
      '-oG',
      gnmap,
    ]);
    expect(r.code).toBe(0);
    const x = readFileSync(xml, 'utf8');
    expect(x).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner="portscope" args="portscope scan -iL /,
    );
    expect(x).toMatch(/<scaninfo type="connect" protocol="tcp" numservices="31" services="1-30,\d+"\/>/);
    expect(x.match(/<address addr="127\.0\.0\.\d" addrtype="ipv4"\/>/g)).toHaveLength(2);
    expect(x).toContain(
      `<port protocol="tcp" portid="${String(open)}"><state state="open" reason="syn-ack" reason_ttl="0"/>`,
    );
    expect(x).toMatch(
      /<extraports state="closed" count="30"><extrareasons reason="conn-refused" count="30" proto="tcp" ports="1-30"\/><\/extraports>/,
    );
    expect(x).toMatch(
      /<runstats>\n<finished .*exit="success"\/>\n<hosts up="2" down="0" total="2"\/>\n<\/runstats>\n<\/nmaprun>\n$/,
    );
    const g = readFileSync(gnmap, 'utf8');
    expect(g).toMatch(
      new RegExp(
        `Host: 127\\.0\\.0\\.1 \\(\\)\\tPorts: ${String(open)}/open/tcp//[^/]*///\\tIgnored State: closed \\(30\\)`,
      ),
    );
    expect(g).toMatch(/^# portscope done at .* -- 2 IP addresses \(2 hosts up\) scanned in [\d.]+ seconds\n$/m);
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  // In a network namespace of its own, where nothing listens: on the test host, another test's listener could be
  // found open before the time-out, and the exit code would be 0.
  it.skipIf(!(builtCli && canMakeNetnsFor('the --host-timeout report (in an empty netns)')))(
    'reports a host that hit --host-timeout as nmap does: table line, XML timedout="true", grepable Timeout',
    () => {
      const xml = join(dir, 'timeout.xml');
      const gnmap = join(dir, 'timeout.gnmap');
      // 65,535 loopback ports at 2,000 a second cannot finish in 300 ms.
      const r = inEmptyNetns([
        'scan',
        '127.0.0.1',
        '-Pn',
        '-p-',
        '--max-rate',
        '2000',
        '--host-timeout',
        '300ms',
        '-oX',
        xml,
        '-oG',
        gnmap,
      ]);
      expect(r.stdout).toMatch(/^127\.0\.0\.1: timed-out \(host-timeout/m);
      expect(r.stdout).not.toMatch(/^PORT/m);
      expect(r.stderr).toMatch(/^portscope: 1 host \(0 up, 1 timed out\), /m);
      expect(r.stderr).toMatch(/^portscope: 1 host hit --host-timeout before every port was probed; raise it/m);
      expect(r.stderr).not.toMatch(/did not answer discovery/);
      const x = readFileSync(xml, 'utf8');
      expect(x.match(/<host /g)).toHaveLength(1);
      expect(x).toMatch(
        /<host starttime="\d+" endtime="\d+" timedout="true">\n<status state="up" reason="host-timeout"/,
      );
      expect(x).not.toContain('<ports>');
      expect(x).toContain('<hosts up="1" down="0" total="1"/>');
      const g = readFileSync(gnmap, 'utf8');
      expect(g).toContain('Host: 127.0.0.1 ()\tStatus: Timeout\n');
      expect(g).not.toContain('Ports:');
      expect(r.code).toBe(1);
    },
  );

  it('applies --host-timeout 1ms to a loopback scan whose answers all come back between two looks at the probes', async () => {
    // 100 ports take several batches of connects, each longer than 1 ms; every answer is in before the next look.
    const r = await cli(['scan', '127.0.0.1', '-Pn', '-p', '1-100', '--host-timeout', '1ms']);
    expect(r.stdout).toMatch(/^127\.0\.0\.1: timed-out \(host-timeout/m);
    expect(r.stdout).not.toMatch(/^PORT/m);
    expect(r.stderr).toMatch(/^portscope: 1 host \(0 up, 1 timed out\), \d+ port results?, 0 open/m);
    expect(r.code).toBe(1);
  });

  it.skipIf(!builtCli)(
    'draws a progress bar with rate and ETA on a real terminal (a pty), then clears it',
    async () => {
      const root = new URL('../../', import.meta.url).pathname;
      // 65,535 loopback ports at 20,000 a second: about 3 s, so the 250 ms progress ticks show.
      const { stdout } = await promisify(execFile)(
        'python3',
        [
          `${root}test/helpers/pty-run.py`,
          'no prompt',
          '',
          ...builtCliArgv('scan', '127.0.0.1', '-Pn', '-p-', '--max-rate', '20000', '--open'),
        ],
        { timeout: 20_000, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 },
      );
      // "Erase to end of line" (ESC [ K) made visible, so the patterns hold no control character.
      const text = stdout.replaceAll('\u001b[K', '<EL>');
      const ticks = [...text.matchAll(/\r\[[#.]+\] (\d+)\/65535 ports, \d+ open, \d+\/s, ETA \d+s<EL>/g)];
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      const done = ticks.map((m) => Number(m[1]));
      expect(done).toEqual([...done].sort((a, b) => a - b));
      // The bar is erased before the table: the host line starts on a clean line.
      expect(text).toMatch(/\r<EL>(\r?\n)*127\.0\.0\.1: up \(user-set\)/);
      expect(stdout).toContain(`${String(open)}/tcp`);
    },
  );

  it.each([
    [['scan'], /^portscope: Expected at least one target/],
    [['scan', '10.0.0.0/8'], /^portscope: Refusing to scan 16,777,216 hosts, more than --max-targets 65,536/],
    [['scan', '127.0.0.1', '-p', '0'], /^portscope: Expected a port list/],
    [['scan', '127.0.0.1', '-T', '9'], /^portscope: Expected a timing template 0-5/],
    [['scan', '127.0.0.1', '--shard', '1/2'], /^portscope: Expected a seed with shard/],
    [['scan', '127.0.0.1', '--max-rtt-timeout', 'soon'], /^portscope: Expected --max-rtt-timeout to be a duration/],
    [
      ['scan', '127.0.0.1', '--workers', '0'],
      /^portscope: Expected --workers to be an integer from 1 to 64, got `0`$/m,
    ],
    [
      ['scan', '127.0.0.1', '--min-rate', '0'],
      /^portscope: Expected --min-rate to be a number of at least 0\.001, got `0`$/m,
    ],
    [['scan', '127.0.0.1', '--top-ports', '2.5'], /^portscope: Expected --top-ports to be an integer from 1 to 65535/],
    [
      ['scan', '-iL', '/nonexistent/targets'],
      /^portscope: Cannot read the target file `\/nonexistent\/targets` \(ENOENT\)/,
    ],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const r = await cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.code).toBe(2);
  });

  it('splits a scan into shards that together cover every port once', async () => {
    const ports = `1-40,${String(open)}`;
    const shard = async (i: number) =>
      (
        JSON.parse(
          (await cli(['scan', '127.0.0.1', '-Pn', '-p', ports, '--seed', '42', '--shard', `${String(i)}/3`, '--json']))
            .stdout,
        ) as { ports: { port: number }[] }
      ).ports.map((p) => p.port);
    const all = [...(await shard(1)), ...(await shard(2)), ...(await shard(3))].sort((a, b) => a - b);
    expect(all).toEqual([...Array.from({ length: 40 }, (_, i) => i + 1), open]);
  });
});
