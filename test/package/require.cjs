// Loaded by test/package/package.test.ts under plain `node`: the package's CommonJS face, by its name
// (a package may require itself through its own `exports`). Prints what a CommonJS caller sees.
'use strict';
const portscope = require('portscope');
const { PortscopeError, lookupPort, serviceName } = portscope;
let code;
try {
  lookupPort(70000);
} catch (error) {
  code = error instanceof PortscopeError ? error.code : 'not a PortscopeError';
}
process.stdout.write(
  JSON.stringify({
    exports: Object.keys(portscope).length,
    listSockets: typeof portscope.listSockets,
    https: serviceName(443, 'tcp')?.name,
    code,
  }),
);
