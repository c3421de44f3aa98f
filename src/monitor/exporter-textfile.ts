import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortscopeError, errnoCode } from '../errors.js';
import { collectExposition, type CollectMetricsOptions } from './metrics-collect.js';

/** The file name node_exporter's textfile collector reads from the directory (it reads `*.prom`). */
export const TEXTFILE_NAME = 'portscope.prom';

/**
 * Collects once and writes the exposition to `DIR/portscope.prom` for node_exporter's textfile collector
 * (`--collector.textfile.directory`), atomically: a temporary file in `dir` (whose name does not end in
 * `.prom`, so the collector never reads it half-written), then a rename over the old file. Returns the
 * path written and the error of a failed collection (then the file says `portscope_up 0`).
 * @throws PortscopeError `INVALID_ARGUMENT` when `dir` is not a directory or for a bad option; `IO_ERROR`
 *   when it cannot be written (no temporary file is left behind).
 */
export async function writeTextfile(
  dir: string,
  options: CollectMetricsOptions = {},
): Promise<{ path: string; error?: unknown }> {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new PortscopeError('INVALID_ARGUMENT', `Expected \`${dir}\` to be a directory`);
  const { text, error } = await collectExposition(options);
  const path = join(dir, TEXTFILE_NAME);
  const temporary = join(dir, `.${TEXTFILE_NAME}.${String(process.pid)}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, path);
  } catch (cause) {
    rmSync(temporary, { force: true });
    throw new PortscopeError('IO_ERROR', `Cannot write \`${path}\`: ${errnoCode(cause) ?? String(cause)}`, { cause });
  }
  return error === undefined ? { path } : { path, error };
}
