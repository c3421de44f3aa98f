import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { writeOutputFile } from '../../src/cli/io.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const io = {} as CliIo; // never used for a named file

describe('writeOutputFile', () => {
  it('writes through a symlink (as -oX /dev/stdout is) instead of replacing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portscope-out-'));
    dirs.push(dir);
    const target = join(dir, 'target.xml');
    writeFileSync(target, 'old');
    const link = join(dir, 'link.xml');
    symlinkSync(target, link);
    writeOutputFile(io, link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
  });

  it('replaces a regular file whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portscope-out-'));
    dirs.push(dir);
    const file = join(dir, 'scan.xml');
    writeFileSync(file, 'old');
    writeOutputFile(io, file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
  });
});
