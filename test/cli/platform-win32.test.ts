import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot, Socket } from '../../src/model/index.js';
import { installFakeWindowsTools, windowsFixture, type FakeTools } from '../helpers/fake-windows-tools.js';

const run = promisify(execFile);
const EXCLUDED = 'netsh-excludedportrange-tcp-gvr-1002.txt';

/** The ranges of the netsh fixture, read from its `start end` number pairs. */
function excludedRanges(): { start: number; end: number }[] {
  return [...windowsFixture(EXCLUDED).matchAll(/^\s*(\d+)\s+(\d+)\s*$/gm)].map((m) => ({
    start: Number(m[1]),
    end: Number(m[2]),
  }));
}
const BIN = fileURLToPath(new URL('../../bin/portscope.js', import.meta.url));

const POWERSHELL = {
  tcp: 'get-nettcpconnection-volatility-756.json',
  udp: 'get-netudpendpoint-volatility-756.json',
  processes: 'cim-win32-process-volatility-756.json',
};

interface TcpRow {
  LocalAddress: string;
  LocalPort: number;
  RemotePort: number;
  State: number;
  OwningProcess: number;
}
interface ProcessRow {
  ProcessId: number;
  Name: string;
}

/** Runs the CLI with PORTSCOPE_PLATFORM=win32 and PATH holding only the fake Windows tools. */
async function portscope(tools: FakeTools, args: readonly string[]) {
  const env = { ...process.env, PATH: tools.dir, PORTSCOPE_PLATFORM: 'win32' };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the CLI on Windows, through a fake PowerShell, netstat and netsh (PORTSCOPE_PLATFORM=win32)', () => {
  let tools: FakeTools | undefined;
  afterEach(() => {
    tools?.remove();
    tools = undefined;
  });

  const tcp = JSON.parse(windowsFixture(POWERSHELL.tcp)) as TcpRow[];
  const processes = JSON.parse(windowsFixture(POWERSHELL.processes)) as ProcessRow[];
  const nameOf = (pid: number) => processes.find((p) => p.ProcessId === pid)?.Name;

  it('portscope alone lists the recorded listeners with their owners, and prints no source line', async () => {
    tools = installFakeWindowsTools({ powershell: POWERSHELL });
    const plain = await portscope(tools, []);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toMatch(/Sockets from/);
    const { code, stdout } = await portscope(tools, ['--json']);
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout) as Snapshot;
    expect(snapshot.platform).toBe('win32');
    const listeners = tcp.filter((r) => r.State === 2);
    for (const row of listeners) {
      const s = snapshot.sockets.find((x) => x.protocol === 'tcp' && x.local.port === row.LocalPort);
      expect(s?.state).toBe('LISTEN');
      expect(s?.owners.map((o) => o.pid)).toContain(row.OwningProcess);
    }
  });

  it('ls lists every recorded TCP row with its state and pid, and no Linux-only field', async () => {
    tools = installFakeWindowsTools({ powershell: POWERSHELL });
    const { code, stdout, stderr } = await portscope(tools, ['ls', '-tap', '--json']);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/Sockets from/);
    const sockets = (JSON.parse(stdout) as Snapshot).sockets;
    const established = tcp.filter((r) => r.State === 5);
    for (const row of established) {
      const s = sockets.find((x) => x.local.port === row.LocalPort && x.peer.port === row.RemotePort);
      expect(s?.state).toBe('ESTABLISHED');
    }
    for (const s of sockets) {
      expect(s).not.toHaveProperty('inode');
      expect(s).not.toHaveProperty('netns');
    }
  });

  it('who 445 --json names pid 4 System with a SYSTEM_OWNED warning', async () => {
    tools = installFakeWindowsTools({ powershell: POWERSHELL });
    const rows = tcp.filter((r) => r.LocalPort === 445);
    expect(rows.length).toBeGreaterThan(0);
    const { code, stdout } = await portscope(tools, ['who', '445', '--json']);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout) as { sockets: Socket[]; warnings: { code: string }[] };
    expect(answer.sockets.length).toBe(rows.length);
    for (const s of answer.sockets) {
      expect(s.owners.map((o) => [o.pid, o.command])).toEqual([[4, nameOf(4)]]);
    }
    expect(nameOf(4)).toBe('System');
    expect(answer.warnings.map((w) => w.code)).toContain('SYSTEM_OWNED');
  });

  it('kill --dry-run names the holder and, its start time unknown (no CreationDate), plans no signal', async () => {
    tools = installFakeWindowsTools({ powershell: POWERSHELL });
    const row = tcp.find((r) => r.State === 2 && r.OwningProcess > 4);
    if (row === undefined) throw new Error('the fixture has a listener of a process other than System');
    const plan = await portscope(tools, ['kill', '--dry-run', String(row.LocalPort)]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain(`pid ${String(row.OwningProcess)} (${String(nameOf(row.OwningProcess))})`);
    expect(plan.stderr).toContain('start time cannot be read');
    expect(plan.stderr).not.toContain('nothing holds');
    const json = await portscope(tools, ['kill', '--dry-run', String(row.LocalPort), '--json']);
    const report = JSON.parse(json.stdout) as { candidates: unknown[]; warnings: { code: string }[] };
    expect(report.candidates).toEqual([]);
    expect(report.warnings.map((w) => w.code)).toContain('START_TIME_UNKNOWN');
    expect(tools.calls().every((c) => c.program === 'pwsh' || c.program === 'powershell.exe')).toBe(true);
  });

  it('info PORT lists its holders from the Windows backend', async () => {
    tools = installFakeWindowsTools({ powershell: POWERSHELL });
    const row = tcp.find((r) => r.State === 2 && r.OwningProcess > 4);
    if (row === undefined) throw new Error('the fixture has a listener of a process other than System');
    const { code, stdout } = await portscope(tools, ['info', String(row.LocalPort), '--json']);
    expect(code).toBe(0);
    const holders = (JSON.parse(stdout) as { holders: Socket[] }).holders;
    expect(holders.length).toBeGreaterThan(0);
    expect(new Set(holders.map((s) => s.owners[0]?.pid))).toEqual(new Set([row.OwningProcess]));
  });

  it('without PowerShell, who 5353 reads the UDP row of netstat -ano (no State column) and its pid', async () => {
    tools = installFakeWindowsTools({ netstat: 'netstat-ano-pid-port-20.txt' });
    const line = windowsFixture('netstat-ano-pid-port-20.txt')
      .split('\n')
      .find((l) => l.includes(':5353'));
    const pid = Number(line?.trim().split(/\s+/).at(-1));
    const { code, stdout } = await portscope(tools, ['who', '5353', '--json']);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout) as { sockets: Socket[]; warnings: { code: string }[] };
    expect(answer.sockets.map((s) => [s.protocol, s.local.port, s.owners[0]?.pid])).toEqual([['udp', 5353, pid]]);
    expect(answer.warnings.map((w) => w.code)).toContain('POWERSHELL_UNAVAILABLE');
  });

  it('free skips the ports of the excluded ranges netsh prints, preferred ones too', async () => {
    tools = installFakeWindowsTools({ powershell: POWERSHELL, netsh: { 'ipv4 tcp': EXCLUDED, 'ipv6 tcp': EXCLUDED } });
    const first = excludedRanges()[0];
    if (first === undefined) throw new Error('the netsh fixture has a range');
    // Every port of the first range preferred, and a range that straddles its start: any bindable port of
    // the range would come first without the netsh ranges; with them, only ports below the range can.
    const inside = Array.from({ length: first.end - first.start + 1 }, (_, i) => first.start + i);
    const range = `${String(first.start - 40)}-${String(first.start + 40)}`;
    const args = ['free', '--port', inside.join(','), '--range', range, '--count', '3', '--include-ephemeral'];
    const { code, stdout, stderr } = await portscope(tools, args);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const ports = stdout.trim().split(/\s+/).map(Number);
    expect(ports).toHaveLength(3);
    for (const port of ports) expect(port).toBeLessThan(first.start);
    expect(tools.calls().some((c) => c.program === 'netsh')).toBe(true);
  });

  it('doctor names the excluded range of a port that nothing holds', async () => {
    tools = installFakeWindowsTools({ powershell: POWERSHELL, netsh: { 'ipv4 tcp': EXCLUDED, 'ipv6 tcp': EXCLUDED } });
    const first = excludedRanges()[0];
    if (first === undefined) throw new Error('the netsh fixture has a range');
    const { stdout } = await portscope(tools, ['doctor', String(first.start), '--json']);
    const report = JSON.parse(stdout) as { findings: { id: string; status: string; title: string }[] };
    const excluded = report.findings.find((f) => f.id === 'excluded-port');
    expect(excluded?.status).toBe('problem');
    expect(excluded?.title).toContain(`${String(first.start)}-${String(first.end)}`);
  });
});
