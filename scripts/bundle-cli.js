// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/ for bin/portscope.js: one file to load
// instead of about 130 modules cuts 50-60 ms from every command's start on Node 20 (which has no module
// compile cache). Each verb's command module (main.ts imports the one being run), and what loads lazily
// (scan, nc, prompts, other platforms' collectors), becomes chunks of its own, and the scan
// worker an entry of its own beside them, where port-workers.ts looks for it. The library (dist/index.js)
// is not bundled. Runs after tsc, as part of `npm run build`.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });
const banner = {
  js: "import { createRequire as __portscopeCreateRequire } from 'node:module';\nconst require = __portscopeCreateRequire(import.meta.url);",
};
await build({
  entryPoints: {
    main: join(root, 'dist/cli/main.js'),
    'port-worker': join(root, 'dist/scan/port-worker.js'),
    // Loaded alone by bin/portscope.js before main, so that a run it repeats costs little memory.
    'address-space': join(root, 'dist/cli/address-space.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Bundled CommonJS dependencies (commander) call require() for Node's built-in modules.
  banner,
  logLevel: 'warning',
});
// The first thing bin/portscope.js runs (src/cli/prefetch.ts): one file of its own, with no chunk shared with
// main, so that a plain `ls` starts its dump before anything else loads.
await build({
  entryPoints: { prefetch: join(root, 'dist/cli/prefetch.js') },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  banner,
  logLevel: 'warning',
});
