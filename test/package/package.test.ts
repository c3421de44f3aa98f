import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const built = existsSync(`${root}dist/index.js`);

describe.skipIf(!built)('the package seen from CommonJS', () => {
  it('loads with require("portscope") (test/package/require.cjs)', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [`${root}test/package/require.cjs`], {
      encoding: 'utf8',
    });
    // require(esm) warns on some Node versions; a warning would reach every CommonJS user's stderr.
    expect(stderr).toBe('');
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    expect(seen).toEqual({ exports: seen.exports, listSockets: 'function', https: 'https', code: 'INVALID_ARGUMENT' });
    expect(seen.exports).toBeGreaterThan(50);
  });
});

/** What `npm pack` would put in the tarball (no scripts run: the build is the one on disk). */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return (pack?.files ?? []).map((f) => f.path).sort();
}

describe.skipIf(!built)('npm pack', () => {
  it('ships the library, the bundled CLI, the addon sources, the docs and the licence; not dist/cli, src or tests', async () => {
    const files = await packedFiles();
    for (const needed of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/portscope.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/bundle/main.js',
      'dist/bundle/port-worker.js',
      'binding.gyp',
      'scripts/build-native.js',
      'docs/cli.md',
      'man/portscope.1',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /^(dist\/cli\/|src\/|test\/|build\/)/.test(f))).toEqual([]);
    expect(readFileSync(`${root}LICENSE`, 'utf8')).toMatch(/^MIT License\n/);
  });

  it('ships source maps that carry their sources (src/ is not shipped)', async () => {
    const maps = (await packedFiles()).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(`${root}${map}`, 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      expect({ map, complete: sources.every((_, i) => typeof sourcesContent?.[i] === 'string') }).toEqual({
        map,
        complete: true,
      });
    }
  });
});

describe.skipIf(!existsSync(`${root}man/portscope.1`))('the man page', () => {
  it('is the help of every verb, examples included, built by npm run build', () => {
    const man = readFileSync(`${root}man/portscope.1`, 'utf8');
    expect(man).toMatch(/^\.TH PORTSCOPE 1 /);
    for (const verb of ['ls', 'stats', 'who', 'info', 'free', 'kill', 'wait', 'doctor', 'scan', 'nc', 'completion']) {
      expect(man).toContain(`\n.SS ${verb}\n.nf\nUsage: portscope ${verb} `);
    }
    expect(man).toContain('--after <port>');
    expect(man).toContain('  $ portscope who :5432');
    const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { man?: string };
    expect(manifest.man).toBe('./man/portscope.1');
  });
});
