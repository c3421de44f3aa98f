import { processStartedAtBsd } from '../bsd/process-start.js';

/**
 * The start time of a macOS process, from `ps -o lstart= -p PID`: ISO 8601, 1 s precision, the form of
 * `Owner.startedAt`; undefined when the process is gone.
 * @throws PortscopeError `IO_ERROR` when ps cannot be run.
 */
export function processStartedAtDarwin(pid: number): Promise<string | undefined> {
  return processStartedAtBsd(pid);
}
