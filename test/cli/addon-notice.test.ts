import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasNativeAddon } from '../../src/index.js';
import { builtCli } from '../helpers/system.js';

const root = new URL('../../', import.meta.url).pathname;
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const NOTICE =
  /^portscope: the native addon is not built, so sockets are read from \/proc .*run `npm rebuild portscope`/;

let dir: string;
const run = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'bin/portscope.js'), ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, ...env },
  });

describe.skipIf(!builtCli)('a CLI installed without its native addon', () => {
  beforeAll(() => {
    // The package as installed where the addon could not be built: no build/ directory.
    dir = mkdtempSync(join(tmpdir(), `portscope-no-addon-${String(process.pid)}-`));
    for (const part of ['dist', 'bin', 'package.json', ...Object.keys(dependencies).map((n) => `node_modules/${n}`)]) {
      cpSync(join(root, part), join(dir, part), { recursive: true });
    }
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so once on stderr, with the fix, and still answers', () => {
    const result = run({}, 'ls', '-tl', '--json');
    expect(result.status).toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(NOTICE);
    const snapshot = JSON.parse(result.stdout) as { namespaces: { isHost: boolean; sources: string[] }[] };
    expect(snapshot.namespaces.find((n) => n.isHost)?.sources).toEqual(['procfs']);
  });

  it('is quiet when procfs was chosen, and for verbs that read no sockets', () => {
    expect(run({ PORTSCOPE_BACKEND: 'procfs' }, 'ls', '-tl').stderr).toBe('');
    expect(run({}, 'info', 'ssh').stderr).toBe('');
    expect(run({}, '--version').stderr).toBe('');
  });
});

describe.skipIf(!builtCli || !hasNativeAddon())('a CLI with its native addon', () => {
  it('says nothing about it', () => {
    const result = spawnSync(process.execPath, [join(root, 'bin/portscope.js'), 'ls', '-tl'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
  });
});
