// Type-checked by `npm run typecheck` as a CommonJS module: `require('portscope')` from TypeScript
// (module NodeNext, which lets CommonJS require an ES module without top-level await).
import portscope = require('portscope');
import type { PortInfo, Snapshot } from 'portscope';

const info: PortInfo = portscope.lookupPort(5432);
const listing: Promise<Snapshot> = portscope.listSockets({ protocols: ['tcp'], owners: false });
const isCode = (error: unknown): boolean => portscope.isPortscopeError(error, 'INVALID_ARGUMENT');

export = { info, listing, isCode };
