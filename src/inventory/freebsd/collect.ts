import { PortscopeError } from '../../errors.js';
import type { Snapshot } from '../../model/index.js';
import type { NormalizedListOptions } from '../options.js';

/**
 * The FreeBSD backend of listSockets (sockstat and ps).
 * @throws PortscopeError `UNSUPPORTED_PLATFORM`: not written yet on this branch.
 */
export const collectFreebsd: (options: NormalizedListOptions) => Promise<Snapshot> = () =>
  Promise.reject(new PortscopeError('UNSUPPORTED_PLATFORM', 'Expected a FreeBSD backend, got none yet'));
