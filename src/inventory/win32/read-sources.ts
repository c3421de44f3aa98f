import { PortscopeError } from '../../errors.js';
import type { SnapshotWarning } from '../../model/index.js';
import { parseCimProcesses } from './parse-cim-process.js';
import { parseNetstat } from './parse-netstat.js';
import { parseInventoryDocument, parseTcpRows, parseUdpRows, type WindowsEndpointRow } from './parse-powershell.js';
import { inventoryScript } from './powershell-script.js';
import { runPowerShell, runTool } from './run-tool.js';
import type { WindowsOwnerFields } from './windows-model.js';

/** How long PowerShell may take (its start-up and CIM's are slow on a cold machine). */
const POWERSHELL_TIMEOUT_MS = 30_000;
const TOOL_TIMEOUT_MS = 15_000;

/** The endpoint rows and process facts of this machine, and where they came from. */
export interface WindowsTables {
  readonly rows: WindowsEndpointRow[];
  /** Process facts by pid; undefined when owners were not asked for. */
  readonly processes: ReadonlyMap<number, WindowsOwnerFields> | undefined;
  readonly warnings: SnapshotWarning[];
}

async function fromPowerShell(withProcesses: boolean): Promise<WindowsTables | { error: string }> {
  const result = await runPowerShell(inventoryScript(withProcesses), POWERSHELL_TIMEOUT_MS);
  if ('error' in result) return result;
  let doc;
  try {
    doc = parseInventoryDocument(result.stdout);
  } catch (error) {
    return { error: `${result.program}: ${(error as Error).message}` };
  }
  return {
    rows: [...parseTcpRows(doc.tcp), ...parseUdpRows(doc.udp)],
    processes: withProcesses ? parseCimProcesses(doc.processes) : undefined,
    warnings: [
      {
        code: 'SOURCE',
        message: `Sockets from ${result.program}: Get-NetTCPConnection, Get-NetUDPEndpoint${withProcesses ? ', Get-CimInstance Win32_Process' : ''}`,
      },
    ],
  };
}

async function fromNetstat(withProcesses: boolean, why: string): Promise<WindowsTables> {
  const netstat = await runTool('netstat', ['-ano'], TOOL_TIMEOUT_MS, 'latin1');
  if ('error' in netstat) {
    throw new PortscopeError(
      'IO_ERROR',
      `Could not list sockets: PowerShell failed (${why}) and so did netstat -ano (${netstat.error})`,
    );
  }
  const table = parseNetstat(netstat.stdout);
  const warnings: SnapshotWarning[] = [
    {
      code: 'POWERSHELL_UNAVAILABLE',
      message: `PowerShell could not be used (${why}): sockets read from netstat -ano, with owner pids only: no process names, command lines, executable paths or start times`,
    },
  ];
  for (const { word, count } of table.unknownStates) {
    warnings.push({
      code: 'STATE_UNKNOWN',
      message: `${String(count)} TCP connection${count === 1 ? '' : 's'} in state \`${word}\` (netstat's word in the system language) not listed: its state cannot be told from the word; PowerShell gives it`,
    });
  }
  if (!withProcesses) return { rows: table.rows, processes: undefined, warnings };
  // netstat names no process: owners are pids only (command ''), which is what `kill` and `who` need.
  const processes = new Map<number, WindowsOwnerFields>();
  for (const { pid } of table.rows) if (pid !== 0) processes.set(pid, { pid, command: '' });
  return { rows: table.rows, processes, warnings };
}

/**
 * Reads the TCP and UDP tables (and process facts when `withProcesses`) with one PowerShell run, or, when
 * neither `pwsh` nor `powershell.exe` answers, with `netstat -ano` (owners as pids only).
 * @throws PortscopeError `IO_ERROR` when PowerShell and netstat both fail.
 */
export async function readWindowsTables(withProcesses: boolean): Promise<WindowsTables> {
  const powershell = await fromPowerShell(withProcesses);
  return 'error' in powershell ? fromNetstat(withProcesses, powershell.error) : powershell;
}
