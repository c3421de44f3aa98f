export { whoOwns, coversHost, type WhoOwnsOptions, type WhoOwnsResult } from './who-owns.js';
export { parsePortTarget, checkPort, canonicalIp, type PortTarget } from './target.js';
