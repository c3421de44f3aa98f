#!/usr/bin/env node
// The bundled CLI (scripts/bundle-cli.js) starts faster than the ~130 modules of dist/cli/.
import { main } from '../dist/bundle/main.js';
await main();
