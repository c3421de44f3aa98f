import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
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
