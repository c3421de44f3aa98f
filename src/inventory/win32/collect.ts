import { PortscopeError } from '../../errors.js';
import type { Snapshot } from '../../model/index.js';
import type { NormalizedListOptions } from '../options.js';

/**
 * Lists sockets on Windows. Placeholder on this branch: the Windows backend is written on its own
 * branch, which replaces this file at merge.
 * @throws PortscopeError `UNSUPPORTED_PLATFORM` always.
 */
export const collectWin32: (options: NormalizedListOptions) => Promise<Snapshot> = () =>
  Promise.reject(new PortscopeError('UNSUPPORTED_PLATFORM', 'Expected a build with the Windows backend, got none'));
