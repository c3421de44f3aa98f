import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The fixture directory of a platform: test/fixtures/PLATFORM. */
export function fixturePath(platform: string, name: string): string {
  return fileURLToPath(new URL(`../fixtures/${platform}/${name}`, import.meta.url));
}

/**
 * A recorded tool output, without its first line (a `#` comment that cites where it was captured):
 * exactly what the tool printed.
 */
export function fixtureOutput(platform: string, name: string): string {
  const text = readFileSync(fixturePath(platform, name), 'utf8');
  if (!text.startsWith('#')) throw new Error(`${platform}/${name}: the first line must cite its source`);
  return text.slice(text.indexOf('\n') + 1);
}

/** The data lines of a recorded table: those that start with one of `prefixes`. */
export function dataLines(output: string, prefixes: readonly string[]): string[] {
  return output.split('\n').filter((l) => prefixes.some((p) => l.startsWith(p)));
}
