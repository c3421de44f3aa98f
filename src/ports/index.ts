export { whoOwns, coversHost, type WhoOwnsOptions, type WhoOwnsResult } from './who-owns.js';
export { parsePortTarget, checkPort, canonicalIp, type PortTarget } from './target.js';
export { findFreePort, bindConflicts, type FindFreePortOptions } from './find-free-port.js';
