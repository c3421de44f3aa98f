// CPU time of naming 2,000 ephemeral TCP ports in a fresh process (docs/performance.md, "Service names").
// Usage: node bench/registry-names.js [ROOT] (ROOT: a portscope checkout with dist/ built; default this one).
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const { serviceName } = await import(pathToFileURL(join(root, 'dist/registry/services.js')).href);
const start = process.cpuUsage();
for (let port = 32768; port < 32768 + 2000; port++) serviceName(port, 'tcp');
const used = process.cpuUsage(start);
console.log(`${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
