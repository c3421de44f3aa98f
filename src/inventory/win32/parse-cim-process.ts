import type { WindowsOwnerFields } from './windows-model.js';
import { splitWindowsCommandLine } from './command-line.js';
import { wholeNumber } from './parse-powershell.js';

/** A DMTF datetime as WMI gives it: `20190826174600.142320-420` (local time, offset in minutes). */
const DMTF = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(\d{6})([+-])(\d{3})$/;

/**
 * A CIM date in any form PowerShell serializes it to, as ISO 8601 UTC: `\/Date(1566855960142)\/` (Windows
 * PowerShell 5.1's ConvertTo-Json), an object whose `value` is that (a DateTime carrying note properties),
 * an ISO string with an offset (PowerShell 7, or portscope's script), or a DMTF string (Get-WmiObject).
 * Undefined for anything else, including an ISO time without an offset (its zone is unknown).
 */
export function parseCimDate(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'value' in value) return parseCimDate(value.value);
  if (typeof value !== 'string') return undefined;
  const ms = /^\/Date\((-?\d+)\)\/$/.exec(value);
  if (ms) return new Date(Number(ms[1])).toISOString();
  const dmtf = DMTF.exec(value);
  if (dmtf) {
    const [, y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0, micro = 0, , offset = 0] = dmtf.map(Number);
    const local = Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(micro / 1000));
    const east = (dmtf[8] === '-' ? -1 : 1) * offset;
    return new Date(local - east * 60_000).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const time = Date.parse(value);
    return Number.isNaN(time) ? undefined : new Date(time).toISOString();
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Win32_Process rows (`ProcessId`, `Name`, `CommandLine`, `ExecutablePath`, `CreationDate`) by pid.
 * CommandLine and ExecutablePath are null for other users' processes without elevation: then absent.
 */
export function parseCimProcesses(rows: readonly unknown[]): Map<number, WindowsOwnerFields> {
  const byPid = new Map<number, WindowsOwnerFields>();
  for (const raw of rows) {
    if (typeof raw !== 'object' || raw === null) continue;
    const row = raw as Record<string, unknown>;
    const pid = wholeNumber(row.ProcessId);
    if (pid === undefined) continue;
    const commandLine = text(row.CommandLine);
    const exe = text(row.ExecutablePath);
    const startedAt = parseCimDate(row.CreationDate);
    const fields: WindowsOwnerFields = {
      pid,
      command: text(row.Name) ?? '',
      ...(commandLine === undefined ? {} : { cmdline: splitWindowsCommandLine(commandLine) }),
      ...(exe === undefined ? {} : { exe }),
      ...(startedAt === undefined ? {} : { startedAt }),
    };
    byPid.set(pid, fields);
  }
  return byPid;
}
