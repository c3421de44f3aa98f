import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { closeLoopbackServers, serveLoopback } from '../helpers/loopback.js';
import { builtCli, commandWorks, isRoot, worldReadableCli } from '../helpers/system.js';

let port: number;
let dir: string;

beforeAll(async () => {
  ({ port } = await serveLoopback());
  dir = mkdtempSync(join(tmpdir(), `portscope-output-${String(process.pid)}-`));
});
afterAll(() => {
  closeLoopbackServers();
  rmSync(dir, { recursive: true, force: true });
});

const scanTo = (file: string) => ['scan', '127.0.0.1', '-Pn', `-p${String(port)}`, '-oX', file];

describe('an output file that cannot be written', () => {
  it('in a directory that does not exist: one line naming the file and the directory', async () => {
    const file = join(dir, 'missing', 'x.xml');
    const { code, stderr } = await cli(scanTo(file));
    expect(code).toBe(3);
    expect(stderr.trim().split('\n').at(-1)).toBe(
      `portscope: Cannot write \`${file}\`: the directory \`${join(dir, 'missing')}\` does not exist (ENOENT)`,
    );
  });

  it('that is a directory: says so, and leaves no temporary file', async () => {
    const file = join(dir, 'a-directory');
    mkdirSync(file);
    const { code, stderr } = await cli(scanTo(file));
    expect(code).toBe(3);
    expect(stderr.trim().split('\n').at(-1)).toBe(`portscope: Cannot write \`${file}\`: it is a directory (EISDIR)`);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(!builtCli || !isRoot || !commandWorks('setpriv', ['--reuid=65534', 'true']))(
    'in a directory the user may not write (as nobody): permission denied, never a raw EACCES from lstat',
    () => {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o700);
      chmodSync(dir, 0o755);
      const file = join(locked, 'x.xml');
      // The checkout may sit where nobody cannot enter (a `mktemp -d` clone): run a world-readable copy.
      const copy = worldReadableCli();
      const run = spawnSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          join(copy, 'bin/portscope.js'),
          ...scanTo(file),
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      rmSync(copy, { recursive: true, force: true });
      expect(run.status).toBe(3);
      expect(run.stderr).not.toContain('Error:');
      expect(run.stderr.trim().split('\n').at(-1)).toBe(
        `portscope: Cannot write \`${file}\`: permission denied (EACCES)`,
      );
      expect(existsSync(file)).toBe(false);
    },
  );
});
