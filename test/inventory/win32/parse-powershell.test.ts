import { describe, expect, it } from 'vitest';
import { parseCimDate, parseCimProcesses } from '../../../src/inventory/win32/parse-cim-process.js';
import {
  jsonRows,
  rowsOf,
  parseInventoryDocument,
  parseTcpRows,
  parseUdpRows,
} from '../../../src/inventory/win32/parse-powershell.js';
import { splitWindowsAddress, windowsTcpState } from '../../../src/inventory/win32/windows-model.js';
import { item, windowsFixture } from '../../helpers/fake-windows-tools.js';

type Row = Record<string, unknown>;

describe('Get-NetTCPConnection / Get-NetUDPEndpoint JSON', () => {
  it('reads every TCP row with its numeric state and OwningProcess', () => {
    const text = windowsFixture('get-nettcpconnection-volatility-756.json');
    const raw = JSON.parse(text) as Row[];
    const rows = parseTcpRows(jsonRows(text));
    expect(rows).toHaveLength(raw.length);
    rows.forEach((row, i) => {
      const source = item(raw, i);
      expect(row.localAddress).toBe(source.LocalAddress);
      expect(row.localPort).toBe(source.LocalPort);
      expect(row.pid).toBe(source.OwningProcess);
      expect(row.state).toBe(source.State === 2 ? 'LISTEN' : 'ESTABLISHED');
    });
  });

  it.each(['get-nettcpconnection-wsl-9516-a.json', 'get-nettcpconnection-wsl-9516-b.json'])(
    '%s: states by enum name (Listen, Established, SynSent, TimeWait)',
    (name) => {
      const text = windowsFixture(name);
      const raw = JSON.parse(text) as Row[];
      const names: Record<string, string> = {
        Listen: 'LISTEN',
        Established: 'ESTABLISHED',
        SynSent: 'SYN_SENT',
        TimeWait: 'TIME_WAIT',
      };
      expect(parseTcpRows(jsonRows(text))).toEqual(
        raw.map((r) => ({
          protocol: 'tcp',
          localAddress: r.LocalAddress,
          localPort: r.LocalPort,
          remoteAddress: r.RemoteAddress,
          remotePort: r.RemotePort,
          state: names[String(r.State)],
          pid: r.OwningProcess,
        })),
      );
    },
  );

  it('takes a lone object (one endpoint) as one row', () => {
    const text = windowsFixture('get-netudpendpoint-volatility-756.json');
    const raw = JSON.parse(text) as Row;
    expect(Array.isArray(raw)).toBe(false);
    expect(parseUdpRows(jsonRows(text))).toEqual([
      { protocol: 'udp', localAddress: raw.LocalAddress, localPort: raw.LocalPort, state: 'UNCONN', pid: 4 },
    ]);
  });

  it("unwraps Windows PowerShell 5.1's {value, Count} form of an array (PowerShell #5579)", () => {
    const [first, wrapped, last] = JSON.parse(windowsFixture('convertto-json-array-wrapper-powershell-5579.json')) as [
      number,
      { value: unknown[]; Count: number },
      number,
    ];
    expect(rowsOf(wrapped)).toEqual(wrapped.value);
    expect(rowsOf(wrapped)).toHaveLength(wrapped.Count);
    expect([rowsOf(first), rowsOf(last), rowsOf([first, last]), rowsOf(null)]).toEqual([
      [first],
      [last],
      [first, last],
      [],
    ]);
  });

  it('maps MSFT_NetTCPConnection states, Bound included, by number or name, never a localized word', () => {
    expect([1, 2, 5, 11, 12, 100].map((n) => windowsTcpState(n))).toEqual([
      'CLOSE',
      'LISTEN',
      'ESTABLISHED',
      'TIME_WAIT',
      'CLOSE',
      'BOUND_INACTIVE',
    ]);
    expect(['Bound', 'FIN_WAIT_2', 'SYN_RECEIVED', 'ABHÖREN'].map((s) => windowsTcpState(s))).toEqual([
      'BOUND_INACTIVE',
      'FIN_WAIT2',
      'SYN_RECV',
      undefined,
    ]);
  });

  it('splits an IPv6 zone into ifindex', () => {
    expect(splitWindowsAddress('fe80::1%12')).toEqual({ address: 'fe80::1', family: 'inet6', ifindex: 12 });
    expect(splitWindowsAddress('[::]')).toEqual({ address: '::', family: 'inet6' });
    expect(splitWindowsAddress('10.10.1.3')).toEqual({ address: '10.10.1.3', family: 'inet' });
  });

  it('rejects output that is not the script object, with an IO_ERROR naming what came', () => {
    expect(() => parseInventoryDocument('Get-NetTCPConnection : Access denied')).toThrow(
      expect.objectContaining({ code: 'IO_ERROR' }) as Error,
    );
    expect(() => parseInventoryDocument(windowsFixture('get-netudpendpoint-volatility-756.json'))).toThrow(
      expect.objectContaining({ code: 'IO_ERROR' }) as Error,
    );
  });
});

describe('Win32_Process JSON', () => {
  const text = windowsFixture('cim-win32-process-explore-process.json');
  const raw = JSON.parse(text) as Row[];
  const processes = parseCimProcesses(jsonRows(text));

  it('reads name, argv, executable and start time of each process', () => {
    expect([...processes.keys()]).toEqual(raw.map((r) => r.ProcessId));
    for (const r of raw) {
      const p = processes.get(r.ProcessId as number);
      expect(p?.command).toBe(r.Name);
      expect(p?.exe).toBe(r.ExecutablePath);
      // Both command lines are one program path (the first quoted, with a trailing blank).
      expect(p?.cmdline).toEqual([r.ExecutablePath]);
      const ms = String(/\d+/.exec(r.CreationDate as string)?.[0]);
      expect(p?.startedAt).toBe(new Date(Number(ms)).toISOString());
    }
  });

  it('reads the DMTF form of a CIM date (local time and its offset in minutes)', () => {
    // 17:46:00.142320 at UTC-07:00 (-420 minutes) is 00:46:00.142 UTC the next day.
    expect(parseCimDate(item(raw, 0).CreationDateTimeStamp)).toBe('2019-08-27T00:46:00.142Z');
    expect(parseCimDate('2019-08-26T21:46:00.1423200Z')).toBe('2019-08-26T21:46:00.142Z');
    expect(parseCimDate('2019-08-26T21:46:00')).toBeUndefined();
  });

  it('leaves out what Windows hides (null CommandLine and ExecutablePath of other users)', () => {
    const hidden = parseCimProcesses(jsonRows(windowsFixture('cim-win32-process-volatility-756.json')));
    expect(hidden.get(4)).toEqual({ pid: 4, command: 'System' });
  });
});
