import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { userInfo } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diagnosePort, findFreePort, type Diagnosis } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';
import {
  builtCli,
  builtCliArgv,
  canDropCapability,
  canMakeNetnsFor,
  cliWithoutCapability,
  hasTool,
} from '../helpers/system.js';

const me = userInfo().username;
// Node 24 names its main thread, so this process's comm is `MainThread` there, `node` on Node 20.
const comm = readFileSync(`/proc/${String(process.pid)}/comm`, 'utf8').trim();
const servers: Server[] = [];

async function listen(host: string, ipv6Only = true): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen({ host, port: 0, ipv6Only }, resolve));
  return (server.address() as { port: number }).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const ids = (d: Diagnosis, status?: string) =>
  d.findings.filter((f) => status === undefined || f.status === status).map((f) => f.id);

const canMakeNetns = canMakeNetnsFor('doctor with network namespaces');
const hasNft = canMakeNetns && hasTool('nft', 'doctor reading nft rules');

describe('diagnosePort on this machine', () => {
  it('address in use: names the holder; a connect succeeds', async () => {
    const port = await listen('127.0.0.1');
    const d = await diagnosePort(port, { host: '127.0.0.1' });
    expect(d).toMatchObject({ port, host: '127.0.0.1', local: true, bindError: 'EADDRINUSE' });
    expect(ids(d, 'problem')).toEqual(['address-in-use']);
    const inUse = d.findings[0];
    expect(inUse?.title).toBe(
      `127.0.0.1:${String(port)} is in use by ${comm} (pid ${String(process.pid)}): a bind fails with EADDRINUSE`,
    );
    expect(inUse?.evidence).toEqual([
      `LISTEN 127.0.0.1:${String(port)} ${comm} (pid ${String(process.pid)}, user ${me})`,
    ]);
    expect(ids(d, 'ok')).toEqual(['connect']);
  });

  it('a dual-stack [::] listener blocks an IPv4 bind, and says so', async () => {
    const port = await listen('::', false);
    const d = await diagnosePort(port, { host: '127.0.0.1' });
    expect(ids(d)).toEqual(['address-in-use', 'dual-stack', 'connect']);
  });

  it('connection refused: nothing listens; and listening on another address', async () => {
    const [free] = await findFreePort();
    const nothing = await diagnosePort(free ?? 1);
    expect(ids(nothing, 'problem')).toEqual(['refused']);
    expect(nothing.findings[0]?.title).toBe(
      `Connection refused by 127.0.0.1, ::1: nothing listens there on port ${String(free)}`,
    );
    expect(ids(nothing, 'ok')).toEqual(['bind']);
    const port = await listen('::1');
    const other = await diagnosePort(port, { host: '127.0.0.1' });
    expect(ids(other, 'problem')).toEqual(['refused', 'other-address']);
    expect(other.findings[1]?.evidence).toEqual([
      `LISTEN [::1]:${String(port)} ${comm} (pid ${String(process.pid)}, user ${me})`,
    ]);
  });

  it('a full accept queue: connects time out, and the listener is named with its queue', async () => {
    // listen(1) and never accept: two connections fill the queue, the next SYNs are dropped.
    const f = await startFixture<{ port: number }>('python3', [
      '-c',
      `import socket, sys, json, signal
signal.alarm(60)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
clients = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(s.getsockname()); clients.append(c)
print(json.dumps({"port": s.getsockname()[1]}), flush=True)
sys.stdin.read()`,
    ]);
    try {
      const d = await diagnosePort(f.info.port, { host: '127.0.0.1', connectTimeoutMs: 300, firewall: false });
      expect(ids(d, 'problem')).toEqual(['address-in-use', 'timeout', 'backlog-full']);
      const full = d.findings.find((x) => x.id === 'backlog-full');
      expect(full?.evidence[0]).toMatch(
        new RegExp(
          `^LISTEN 127\\.0\\.0\\.1:${String(f.info.port)} python3 .*: [2-9] connections wait to be accepted, backlog 1$`,
        ),
      );
      expect(full?.evidence[1]).toMatch(/^TcpExt ListenOverflows = \d+/);
    } finally {
      await f.stop();
    }
  });
});

describe.skipIf(!canMakeNetns)('diagnosePort with network namespaces built by the test', () => {
  const name = `portscope-doctor-${String(process.pid)}`;
  let inside: Fixture<{ port: number; pid: number }>;

  beforeAll(async () => {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    inside = await startFixture<{ port: number; pid: number }>('ip', [
      'netns',
      'exec',
      name,
      'python3',
      '-c',
      'import socket,sys,signal,json,os\nsignal.alarm(60)\ns=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(4)\nprint(json.dumps({"port": s.getsockname()[1], "pid": os.getpid()}), flush=True)\nsys.stdin.read()',
    ]);
  });
  afterAll(async () => {
    await inside.stop();
    execFileSync('ip', ['netns', 'del', name]);
  });

  it('refused here because it listens only in another network namespace', async () => {
    const d = await diagnosePort(inside.info.port, { host: '127.0.0.1' });
    expect(ids(d, 'problem')).toContain('other-netns');
    const other = d.findings.find((f) => f.id === 'other-netns');
    expect(other?.evidence).toEqual([
      `LISTEN 127.0.0.1:${String(inside.info.port)} in netns ${name} python3 (pid ${String(inside.info.pid)}, user ${me})`,
    ]);
    expect(other?.fixes[0]).toBe('connect from inside that namespace (ip netns exec NAME ...)');
  });

  it.skipIf(!hasNft || !builtCli)(
    'time-out inside the namespace: an nft rule drops the port, and doctor shows the rule',
    () => {
      const port = String(inside.info.port);
      const inNetns = (...argv: string[]) =>
        spawnSync('ip', ['netns', 'exec', name, ...argv], { encoding: 'utf8', timeout: 20_000 });
      for (const rule of [
        ['add', 'table', 'inet', 'portscope_test'],
        ['add', 'chain', 'inet', 'portscope_test', 'input', '{ type filter hook input priority 0; policy accept; }'],
        ['add', 'rule', 'inet', 'portscope_test', 'input', 'tcp', 'dport', port, 'drop'],
      ]) {
        expect(inNetns('nft', ...rule).status).toBe(0);
      }
      const result = inNetns(...builtCliArgv('doctor', port, '--host', '127.0.0.1', '-t', '300ms', '--json'));
      expect(result.status).toBe(1);
      const d = JSON.parse(result.stdout) as Diagnosis;
      expect(ids(d, 'problem')).toEqual(['address-in-use', 'timeout', 'firewall']);
      expect(d.findings.find((f) => f.id === 'firewall')?.evidence).toEqual([
        expect.stringMatching(
          new RegExp(`^nft: inet portscope_test input: tcp dport ${String(inside.info.port)} drop \\(handle \\d+\\)$`),
        ),
      ]);
      expect(d.firewall?.checked).toContain('nft -j list ruleset');
    },
  );
});

describe('portscope doctor', () => {
  it('prints a checklist and exits 1 when it finds a problem, 0 when not', async () => {
    const port = await listen('127.0.0.1');
    const busy = await cli(['doctor', String(port), '--host', '127.0.0.1']);
    expect(busy.code).toBe(1);
    expect(busy.stdout.split('\n').slice(0, 4)).toEqual([
      `TCP port ${String(port)} on 127.0.0.1`,
      `✗ 127.0.0.1:${String(port)} is in use by ${comm} (pid ${String(process.pid)}): a bind fails with EADDRINUSE`,
      `    • LISTEN 127.0.0.1:${String(port)} ${comm} (pid ${String(process.pid)}, user ${me})`,
      `    → stop it: portscope kill ${String(port)}`,
    ]);
    const bad = await cli(['doctor', '70000']);
    expect(bad).toMatchObject({ code: 2, stderr: 'portscope: Expected a TCP port 1-65535, got `70000`\n' });
  });

  it.skipIf(!canDropCapability('net_bind_service'))(
    'explains EACCES on a privileged port, with the fixes',
    async () => {
      const [port] = await findFreePort({ range: { from: 1, to: 1023 } });
      const result = cliWithoutCapability('net_bind_service', 'doctor', String(port), '--json', '--no-firewall');
      const d = JSON.parse(result.stdout) as Diagnosis;
      expect(d.bindError).toBe('EACCES');
      const privileged = d.findings.find((f) => f.id === 'privileged-port');
      expect(privileged).toMatchObject({
        status: 'problem',
        evidence: ['net.ipv4.ip_unprivileged_port_start = 1024', 'this process runs as uid 0'],
      });
      expect(privileged?.fixes[1]).toBe(
        'grant the binary the capability: sudo setcap cap_net_bind_service=+ep /path/to/binary',
      );
    },
  );
});
