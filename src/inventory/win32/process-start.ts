import { parseCimProcesses } from './parse-cim-process.js';
import { jsonRows } from './parse-powershell.js';
import { processStartScript } from './powershell-script.js';
import { runPowerShell } from './run-tool.js';

const TIMEOUT_MS = 30_000;

/**
 * The start time of process `pid` as ISO 8601 UTC (the same value as `Owner.startedAt`), from
 * Win32_Process's CreationDate; `kill` compares it with the listing's right before it signals, so that a
 * pid reused by another process is never signalled. Undefined when the process is gone, or when PowerShell
 * cannot be run or answers nonsense (the caller must then not signal on a guess).
 */
export async function processStartedAtWin32(pid: number): Promise<string | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const result = await runPowerShell(processStartScript(pid), TIMEOUT_MS);
  if ('error' in result) return undefined;
  try {
    return parseCimProcesses(jsonRows(result.stdout)).get(pid)?.startedAt;
  } catch {
    return undefined;
  }
}
