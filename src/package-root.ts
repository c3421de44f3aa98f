import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortscopeError } from './errors.js';

let root: string | undefined;

/**
 * The directory of portscope's own package.json (absolute path), found by walking up from this
 * module's file: the first package.json above src/, dist/ or the CLI bundle in dist/bundle/ is ours.
 * Found once.
 * @throws PortscopeError `IO_ERROR` when no package.json is above this file, which an install cannot produce.
 */
export function packageRoot(): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json'))) {
      const parent = dirname(dir);
      if (parent === dir) {
        throw new PortscopeError('IO_ERROR', `No package.json above ${fileURLToPath(import.meta.url)}`);
      }
      dir = parent;
    }
    root = dir;
  }
  return root;
}
