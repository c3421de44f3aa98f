// Builds the optional native addon (build/Release/portscope_native.node) with node-gyp: netlink
// sock_diag and a C fd walk. Without it portscope reads /proc instead, which is slower; so a failed
// build is one warning line, never a failed install. PORTSCOPE_SKIP_NATIVE=1 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const warn = (why) =>
  process.stderr.write(
    `portscope: native addon not built (${why}); listings will read /proc instead, which is slower\n`,
  );

if (process.platform !== 'linux') process.exit(0);
if (process.env.PORTSCOPE_SKIP_NATIVE === '1') {
  warn('PORTSCOPE_SKIP_NATIVE=1');
  process.exit(0);
}
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
];
const gyp = candidates.find((p) => p !== undefined && p !== '' && existsSync(p));
if (gyp === undefined) {
  warn('node-gyp not found');
  process.exit(0);
}
// Node's own headers, when this Node ships them, so that node-gyp never needs to download them.
const prefix = join(dirname(process.execPath), '..');
const nodedir =
  process.env.npm_config_nodedir ?? (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = [gyp, 'rebuild', ...(nodedir === undefined ? [] : [`--nodedir=${nodedir}`])];
const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (run.status !== 0) {
  const last = `${run.stderr ?? ''}${run.error?.message ?? ''}`
    .trim()
    .split('\n')
    .filter((l) => /error/i.test(l))
    .at(0);
  warn(last === undefined ? `node-gyp exited with ${String(run.status)}` : last.trim());
}
