import { PortscopeError } from '../../errors.js';
import { parseCimProcesses } from './parse-cim-process.js';
import { jsonRows } from './parse-powershell.js';
import { processStartScript } from './powershell-script.js';
import { runPowerShell } from './run-tool.js';

const TIMEOUT_MS = 30_000;

/**
 * The start time of process `pid` as ISO 8601 UTC (the same value as `Owner.startedAt`), from
 * Win32_Process's CreationDate; `kill` compares it with the listing's right before it signals, so that a
 * pid reused by another process is never signalled. Undefined when the process is gone (no Win32_Process row)
 * or has no CreationDate.
 * @throws PortscopeError `IO_ERROR` when PowerShell cannot be run, fails or answers something other than
 *   the expected JSON: a failed check is never taken for an exited process.
 */
export async function processStartedAtWin32(pid: number): Promise<string | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const result = await runPowerShell(processStartScript(pid), TIMEOUT_MS);
  if ('error' in result)
    throw new PortscopeError(
      'IO_ERROR',
      `Expected PowerShell to read the start time of pid ${String(pid)}, got: ${result.error}`,
    );
  return parseCimProcesses(jsonRows(result.stdout)).get(pid)?.startedAt;
}
