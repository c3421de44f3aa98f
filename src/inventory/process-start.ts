import { processStartedAtBsd } from './bsd/process-start.js';
import { PortscopeError } from '../errors.js';
import { currentPlatform } from './platform.js';
import { processStartedAtWin32 } from './win32/process-start.js';

/**
 * The start time of process `pid` now, as ISO 8601 (the form of `Owner.startedAt`), read through the
 * platform's tool: `ps -o lstart` on macOS and FreeBSD (1 s precision), Win32_Process CreationDate on
 * Windows. Undefined when the process is gone. Used to make sure a pid still names the process that
 * held a socket before it is signalled. Linux callers use /proc/PID/stat's start ticks instead.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` on Linux or another OS, `IO_ERROR` when the tool is
 *   missing or fails (never undefined for that: a failed check is not an exited process).
 */
export function processStartedAt(pid: number): Promise<string | undefined> {
  switch (currentPlatform()) {
    case 'darwin':
    case 'freebsd':
      return processStartedAtBsd(pid);
    case 'win32':
      return processStartedAtWin32(pid);
    case 'linux':
      return Promise.reject(
        new PortscopeError('UNSUPPORTED_PLATFORM', 'Expected macOS, FreeBSD or Windows: Linux reads /proc/PID/stat'),
      );
  }
}
