import { PortscopeError } from '../../errors.js';
import { parseLstart } from './parse-ps.js';
import { runTool } from './run-tool.js';

/**
 * The start time of process `pid` from `ps -o lstart= -p PID` (macOS and FreeBSD), as ISO 8601 with 1 s
 * precision: the same form as `Owner.startedAt`, to compare before a signal. Undefined when the process
 * is gone (ps prints nothing, and exits 1 as both systems' ps do for an unknown pid, or 0).
 * @throws PortscopeError `IO_ERROR` when ps is missing, cannot be run, fails otherwise or prints a line
 *   that is not a start time: the caller must not take a failed check for an exited process.
 */
export async function processStartedAtBsd(pid: number): Promise<string | undefined> {
  const args = ['-o', 'lstart=', '-p', String(pid)];
  const result = await runTool('ps', args);
  if (result === undefined)
    throw new PortscopeError('IO_ERROR', 'Expected `ps` on PATH to read a start time, found none');
  const text = result.stdout.trim();
  if (text === '' && result.status <= 1) return undefined;
  const startedAt = parseLstart(text);
  if (startedAt === undefined)
    throw new PortscopeError(
      'IO_ERROR',
      `Expected a start time from \`ps ${args.join(' ')}\`, got exit ${String(result.status)} and \`${text.slice(0, 60)}\``,
    );
  return startedAt;
}
