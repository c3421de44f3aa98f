#!/usr/bin/env node
// The bundled CLI (scripts/bundle-cli.js) starts faster than the ~130 modules of dist/cli/.
// Under an address-space limit, the CLI runs again with bounded malloc arenas (src/cli/address-space.ts).
// A plain TCP `ls` or `who PORT` starts its kernel dump before the rest of the CLI loads (src/cli/prefetch.ts).
import { rerunWithBoundedArenas } from '../dist/bundle/address-space.js';

const code = await rerunWithBoundedArenas(process.argv.slice(1), process.env, process.stderr);
if (code === undefined) {
  if (process.argv[2] === 'ls' || process.argv[2] === 'who')
    (await import('../dist/bundle/prefetch.js')).prefetchListing(process.argv.slice(2), process.env);
  const { main } = await import('../dist/bundle/main.js');
  await main();
} else {
  process.exitCode = code;
}
