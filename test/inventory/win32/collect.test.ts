import { afterEach, describe, expect, it } from 'vitest';
import { normalizeListOptions } from '../../../src/inventory/options.js';
import { collectWin32 } from '../../../src/inventory/win32/collect.js';
import { excludedPortRangesWin32 } from '../../../src/inventory/win32/excluded-ports.js';
import { processStartedAtWin32 } from '../../../src/inventory/win32/process-start.js';
import { installFakeWindowsTools, item, windowsFixture, type FakeTools } from '../../helpers/fake-windows-tools.js';

type Row = Record<string, unknown>;
const rowsOf = (name: string): Row[] => [JSON.parse(windowsFixture(name)) as Row | Row[]].flat();

const TCP = 'get-nettcpconnection-volatility-756.json';
const UDP = 'get-netudpendpoint-volatility-756.json';
const PROCESSES = 'cim-win32-process-volatility-756.json';

let tools: FakeTools | undefined;
afterEach(() => {
  tools?.remove();
  tools = undefined;
});

describe('collectWin32 through fake PowerShell', () => {
  it('lists every TCP and UDP endpoint with its owner, from one PowerShell run', async () => {
    tools = installFakeWindowsTools({ powershell: { tcp: TCP, udp: UDP, processes: PROCESSES }, netstat: 'x' });
    const snapshot = await collectWin32(normalizeListOptions());
    const tcp = rowsOf(TCP);
    const udp = rowsOf(UDP);
    const names = new Map(rowsOf(PROCESSES).map((p) => [p.ProcessId, p.Name]));
    expect(snapshot.platform).toBe('win32');
    expect(snapshot.namespaces).toEqual([]);
    expect(snapshot.sockets).toHaveLength(tcp.length + udp.length);
    [...tcp, ...udp].forEach((row, i) => {
      const socket = item(snapshot.sockets, i);
      expect(socket.protocol).toBe(i < tcp.length ? 'tcp' : 'udp');
      expect(socket.local).toEqual({ address: row.LocalAddress, port: row.LocalPort });
      expect(socket.family).toBe(String(row.LocalAddress).includes(':') ? 'inet6' : 'inet');
      if (row.OwningProcess === 0) expect(socket).toMatchObject({ owners: [], ownerStatus: 'none' });
      else {
        expect(socket.ownerStatus).toBe('ok');
        expect(socket.owners).toEqual([{ pid: row.OwningProcess, command: names.get(row.OwningProcess) }]);
      }
      // Windows has no socket inode, uid, network namespace or queues: absent, not 0.
      for (const field of ['inode', 'uid', 'netns', 'recvQ', 'sendQ']) expect(socket).not.toHaveProperty(field);
    });
    const calls = tools.calls();
    expect(calls.map((c) => c.program)).toEqual(['pwsh']);
    expect(item(calls, 0).args.slice(0, 3)).toEqual(['-NoProfile', '-NonInteractive', '-Command']);
    expect(snapshot.warnings.find((w) => w.code === 'SOURCE')?.message).toContain('pwsh');
  });

  it('says which ports PID 4 (System: http.sys, SMB) holds', async () => {
    tools = installFakeWindowsTools({ powershell: { tcp: TCP, udp: UDP, processes: PROCESSES } });
    const snapshot = await collectWin32(normalizeListOptions());
    const ports = [
      ...new Set([...rowsOf(TCP), ...rowsOf(UDP)].filter((r) => r.OwningProcess === 4).map((r) => r.LocalPort)),
    ];
    const warning = snapshot.warnings.find((w) => w.code === 'SYSTEM_OWNED');
    expect(warning?.pid).toBe(4);
    expect(warning?.message).toContain(
      `Ports ${ports.sort((a, b) => Number(a) - Number(b)).join(', ')} are held by PID 4`,
    );
    expect(warning?.message).toContain('http.sys');
  });

  it('honours protocols, families and the filter (ports, states, pids)', async () => {
    tools = installFakeWindowsTools({ powershell: { tcp: TCP, udp: UDP, processes: PROCESSES } });
    const tcp = rowsOf(TCP);
    const v6 = await collectWin32(normalizeListOptions({ protocols: ['tcp'], families: ['inet6'] }));
    expect(v6.sockets).toHaveLength(tcp.filter((r) => String(r.LocalAddress).includes(':')).length);
    const smb = await collectWin32(normalizeListOptions({ filter: 'sport = :445' }));
    expect(smb.sockets.map((s) => s.local.port)).toEqual(tcp.filter((r) => r.LocalPort === 445).map(() => 445));
    const connected = await collectWin32(normalizeListOptions({ filter: 'state established' }));
    expect(connected.sockets).toHaveLength(tcp.filter((r) => r.State === 5).length);
    const byPid = await collectWin32(normalizeListOptions({ filter: 'pid = 804', owners: false }));
    expect(byPid.sockets).toHaveLength(tcp.filter((r) => r.OwningProcess === 804).length);
    expect(new Set(byPid.sockets.map((s) => s.ownerStatus))).toEqual(new Set(['not-requested']));
  });

  it('does not ask CIM for processes when owners are not wanted', async () => {
    tools = installFakeWindowsTools({ powershell: { tcp: TCP, udp: UDP, processes: PROCESSES } });
    const snapshot = await collectWin32(normalizeListOptions({ owners: false }));
    expect(item(tools.calls(), 0).args.join(' ')).not.toContain('Win32_Process');
    expect(new Set(snapshot.sockets.map((s) => s.ownerStatus))).toEqual(new Set(['not-requested']));
  });

  it('uses Windows PowerShell (powershell.exe) when pwsh is not installed', async () => {
    tools = installFakeWindowsTools({ powershell: { tcp: TCP }, powershellName: 'powershell.exe' });
    const snapshot = await collectWin32(normalizeListOptions());
    expect(snapshot.sockets).toHaveLength(rowsOf(TCP).length);
    expect(snapshot.warnings.find((w) => w.code === 'SOURCE')?.message).toContain('powershell.exe');
  });

  it('refuses a network namespace: Windows has none', async () => {
    tools = installFakeWindowsTools({ powershell: {} });
    await expect(collectWin32(normalizeListOptions({ netns: 'blue' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('collectWin32 without PowerShell: netstat -ano', () => {
  it('reads a UDP row without a state column and says PowerShell was missing', async () => {
    tools = installFakeWindowsTools({ netstat: 'netstat-ano-pid-port-20.txt' });
    const snapshot = await collectWin32(normalizeListOptions());
    const fields = windowsFixture('netstat-ano-pid-port-20.txt')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(
      snapshot.sockets.map((s) => [s.protocol.toUpperCase(), `${s.local.address}:${String(s.local.port)}`]),
    ).toEqual(fields.map((f) => [f[0], f[1]]));
    expect(snapshot.sockets.map((s) => s.owners.map((o) => o.pid))).toEqual(fields.map((f) => [Number(f.at(-1))]));
    expect(snapshot.sockets.map((s) => s.state)).toEqual(['LISTEN', 'UNCONN']);
    const warning = snapshot.warnings.find((w) => w.code === 'POWERSHELL_UNAVAILABLE');
    expect(warning?.message).toContain('pwsh: not found on PATH');
    expect(warning?.message).toContain('powershell.exe: not found on PATH');
  });

  it('falls back to netstat when PowerShell runs but fails, and says why', async () => {
    const why = 'Get-NetTCPConnection and Get-NetUDPEndpoint are not available (they need Windows 8 or Server 2012)';
    tools = installFakeWindowsTools({
      powershell: { tcp: TCP },
      powershellFails: why,
      netstat: 'netstat-ano-pid-port-20.txt',
    });
    const snapshot = await collectWin32(normalizeListOptions());
    expect(tools.calls().map((c) => c.program)).toEqual(['pwsh', 'powershell.exe', 'netstat']);
    expect(snapshot.sockets).toHaveLength(2);
    expect(snapshot.warnings.find((w) => w.code === 'POWERSHELL_UNAVAILABLE')?.message).toContain(`pwsh: ${why}`);
  });

  it('finds the listener of a German netstat whose state word came out garbled (ABH™REN)', async () => {
    tools = installFakeWindowsTools({ netstat: 'netstat-ano-de-oem-flair.txt' });
    const snapshot = await collectWin32(normalizeListOptions({ filter: 'state listening' }));
    const row = item(
      windowsFixture('netstat-ano-de-oem-flair.txt')
        .split('\n')
        .filter((l) => l.trim().startsWith('TCP'))
        .map((l) => l.trim().split(/\s+/)),
      0,
    );
    expect(snapshot.sockets).toHaveLength(1);
    expect(item(snapshot.sockets, 0)).toMatchObject({
      state: 'LISTEN',
      local: { address: item(item(row, 1).split(':'), 0), port: Number(item(item(row, 1).split(':'), 1)) },
      owners: [{ pid: Number(item(row, -1)) }],
    });
  });

  it('says which ports PID 4 holds when read from `netstat -anob` output', async () => {
    tools = installFakeWindowsTools({ netstat: 'netstat-anob-flutter-53477.txt' });
    const snapshot = await collectWin32(normalizeListOptions({ filter: 'state listening' }));
    const system = windowsFixture('netstat-anob-flutter-53477.txt')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[0] === 'TCP' && f.at(-1) === '4')
      .map((f) => Number(item(item(f, 1).split(':'), 1)));
    expect(snapshot.warnings.find((w) => w.code === 'SYSTEM_OWNED')?.message).toContain(
      `Ports ${system.join(', ')} are held by PID 4`,
    );
  });

  it('puts the zone of a link-local address in ifindex, not in the address', async () => {
    tools = installFakeWindowsTools({ netstat: 'netstat-an-ipv6-zone-mozilla-mig.txt' });
    const snapshot = await collectWin32(normalizeListOptions({ families: ['inet6'], protocols: ['udp'] }));
    const zoned = windowsFixture('netstat-an-ipv6-zone-mozilla-mig.txt')
      .split('\n')
      .map((l) => /^\s*UDP\s+\[(fe80::[^%]+)%(\d+)\]:(\d+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ address: m[1], ifindex: Number(m[2]), port: Number(m[3]) }));
    expect(zoned.length).toBeGreaterThan(0);
    expect(
      snapshot.sockets
        .filter((s) => s.ifindex !== undefined)
        .map((s) => ({ address: s.local.address, ifindex: s.ifindex, port: s.local.port })),
    ).toEqual(zoned);
  });

  it('fails with IO_ERROR naming both tools when neither PowerShell nor netstat can run', async () => {
    tools = installFakeWindowsTools({});
    await expect(collectWin32(normalizeListOptions())).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringContaining('netstat -ano (not found on PATH)') as string,
    });
  });
});

describe('processStartedAtWin32', () => {
  it('gives the CreationDate of a live process as ISO UTC, undefined for a gone one', async () => {
    tools = installFakeWindowsTools({ powershell: { processes: 'cim-win32-process-explore-process.json' } });
    const [first] = rowsOf('cim-win32-process-explore-process.json');
    const ms = Number(/\d+/.exec(String(first?.CreationDate))?.[0]);
    expect(await processStartedAtWin32(Number(first?.ProcessId))).toBe(new Date(ms).toISOString());
    expect(await processStartedAtWin32(424242)).toBeUndefined();
  });

  it('throws IO_ERROR when PowerShell cannot run: a failed check is not an exited process', async () => {
    tools = installFakeWindowsTools({});
    await expect(processStartedAtWin32(4024)).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});

describe('excludedPortRangesWin32', () => {
  it('collects every family and protocol netsh answers for, by numbers only', async () => {
    tools = installFakeWindowsTools({
      netsh: {
        'ipv4 tcp': 'netsh-excludedportrange-tcp-ko-cb-coffeehouse-81.txt',
        'ipv6 tcp': 'netsh-excludedportrange-tcp-zh-empty-clash-1688.txt',
      },
    });
    const pairs = windowsFixture('netsh-excludedportrange-tcp-ko-cb-coffeehouse-81.txt')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => /^\d+$/.test(f[0] ?? '') && /^\d+$/.test(f[1] ?? ''))
      .map((f) => ({ protocol: 'tcp', family: 'inet', start: Number(f[0]), end: Number(f[1]) }));
    expect(await excludedPortRangesWin32()).toEqual(pairs);
    expect(
      tools
        .calls()
        .map((c) => c.args.join(' '))
        .sort(),
    ).toEqual([
      'int ipv4 show excludedportrange protocol=tcp',
      'int ipv4 show excludedportrange protocol=udp',
      'int ipv6 show excludedportrange protocol=tcp',
      'int ipv6 show excludedportrange protocol=udp',
    ]);
  });
});
