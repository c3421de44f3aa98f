import { parseLstart } from './parse-ps.js';
import { runTool } from './run-tool.js';

/**
 * The start time of process `pid` from `ps -o lstart= -p PID` (macOS and FreeBSD), as ISO 8601 with 1 s
 * precision: the same form as `Owner.startedAt`, to compare before a signal. Undefined when the process
 * is gone (ps prints nothing) or ps is missing.
 * @throws PortscopeError `IO_ERROR` when ps cannot be run.
 */
export async function processStartedAtBsd(pid: number): Promise<string | undefined> {
  const result = await runTool('ps', ['-o', 'lstart=', '-p', String(pid)]);
  return result === undefined ? undefined : parseLstart(result.stdout);
}
