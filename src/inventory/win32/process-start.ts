import { PortscopeError } from '../../errors.js';

/**
 * The ISO start time of a Windows process (Win32_Process CreationDate), undefined when it is gone.
 * Placeholder on this branch: the Windows backend's branch replaces this file at merge.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` always.
 */
export const processStartedAtWin32: (pid: number) => Promise<string | undefined> = () =>
  Promise.reject(new PortscopeError('UNSUPPORTED_PLATFORM', 'Expected a build with the Windows backend, got none'));
