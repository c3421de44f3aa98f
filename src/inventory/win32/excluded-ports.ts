import { PortscopeError } from '../../errors.js';

/** A range of ports Windows reserves (Hyper-V/WinNAT `netsh int ipv4 show excludedportrange`), inclusive. */
export interface ExcludedPortRange {
  readonly protocol: 'tcp' | 'udp';
  readonly family: 'inet' | 'inet6';
  readonly start: number;
  readonly end: number;
}

/**
 * The excluded port ranges of this Windows machine. Placeholder on this branch: the Windows backend's
 * branch replaces this file at merge.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` always.
 */
export const excludedPortRangesWin32: () => Promise<ExcludedPortRange[]> = () =>
  Promise.reject(new PortscopeError('UNSUPPORTED_PLATFORM', 'Expected a build with the Windows backend, got none'));
