import { createRequire } from 'node:module';
import type { Ajv as AjvClass } from 'ajv';
import type * as Bcrypt from 'bcryptjs';
import type * as PromClient from 'prom-client';
import type * as Yaml from 'yaml';

const load = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded on its first use instead of when the CLI starts. yaml, ajv, prom-client and
 * bcryptjs (with what they load) were 700 KB of the CLI's 1.2 MB bundle and cost every command their
 * evaluation (tens of ms each) though only `audit`, `watch` and `exporter` use them; left out of the bundle, Node loads them from node_modules when asked (and caches
 * them). `id` is a package name from package.json's dependencies.
 * @throws Error `MODULE_NOT_FOUND` (Node's) when the package is not installed.
 */
export function lazyRequire(id: 'yaml' | 'ajv' | 'prom-client' | 'bcryptjs'): unknown {
  return load(id);
}

/** The `yaml` package (its CommonJS build), loaded on first use: see {@link lazyRequire}. */
export function yaml(): typeof Yaml {
  return lazyRequire('yaml') as typeof Yaml;
}

/** The `ajv` package's `Ajv` class, loaded on first use: see {@link lazyRequire}. */
export function ajvClass(): typeof AjvClass {
  return (lazyRequire('ajv') as { Ajv: typeof AjvClass }).Ajv;
}

/** The `prom-client` package, loaded on first use: see {@link lazyRequire}. */
export function promClient(): typeof PromClient {
  return lazyRequire('prom-client') as typeof PromClient;
}

/** The `bcryptjs` package (its CommonJS build), loaded on first use: see {@link lazyRequire}. */
export function bcryptjs(): typeof Bcrypt {
  return lazyRequire('bcryptjs') as typeof Bcrypt;
}
