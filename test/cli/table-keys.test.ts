import { describe, expect, it } from 'vitest';
import { keyOf, Pieces, type KeyNumbering, type KeySpec } from '../../src/cli/render/pieces.js';
import { nativeAddon } from '../../src/index.js';
import { OwnerJoin } from '../../src/inventory/linux/owners.js';

const addon = nativeAddon();
const native: KeyNumbering | undefined =
  addon?.columnKeys && addon.missingKeys && addon.numberKeys ? (addon as KeyNumbering) : undefined;

/** Columns of 500 rows from a fixed pseudo-random sequence: families 4 and 6, `::` (index 3) with v6only -1, 0, 1. */
function columnsOf(rows: number) {
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16) % n;
  const family = Uint8Array.from({ length: rows }, () => (next(2) === 0 ? 4 : 6));
  return {
    protocol: Uint8Array.from({ length: rows }, () => next(3)),
    family,
    state: Uint8Array.from({ length: rows }, () => next(16)),
    address: Uint32Array.from({ length: rows }, () => next(6)),
    port: Uint16Array.from({ length: rows }, () => next(3) * 30000 + next(5)),
    queue: Uint32Array.from({ length: rows }, () => (next(4) === 0 ? 70000 + next(3) : next(10))),
    v6only: Int8Array.from({ length: rows }, () => next(3) - 1),
  };
}

describe.skipIf(native === undefined)('the native key numbering (native/table-keys.c)', () => {
  const c = columnsOf(500);
  const specs: [string, KeySpec][] = [
    ['netid', { a: c.protocol, m: 1 }],
    ['proto', { a: c.protocol, m: 2, b: c.family, family: true }],
    ['state', { a: c.protocol, m: 16, b: c.state }],
    ['queue', { a: c.queue, m: 1 }],
    ['host', { a: c.address, m: 2, b: c.family, family: true, star: { index: 3, v6only: c.v6only, key: 12 } }],
    ['port', { a: c.protocol, m: 65536, b: c.port }],
  ];
  const order = Uint32Array.from({ length: 300 }, (_v, i) => (i * 7) % 500);

  for (const [name, spec] of specs) {
    it(`${name}: the keys of keyOf, and each key's number of the text made once for it, with and without an order`, () => {
      for (const rows of [undefined, order]) {
        const count = rows === undefined ? 500 : rows.length;
        const keys = new Uint32Array(count);
        const star = spec.star;
        native?.columnKeys(
          keys,
          count,
          rows ?? null,
          spec.a,
          spec.m,
          spec.b ?? null,
          spec.family === true,
          star?.index ?? -1,
          star?.v6only ?? null,
          star?.key ?? 0,
        );
        const expected = Array.from({ length: count }, (_v, i) => keyOf(spec, rows === undefined ? i : (rows[i] ?? 0)));
        expect([...keys]).toEqual(expected);
        // Numbered: each row's text is its key's, each text made once per key.
        const made: Record<string, number> = {};
        const text = (key: number) => {
          made[key] = (made[key] ?? 0) + 1;
          return `k${String(key)}`;
        };
        const pieces = new Pieces(native as KeyNumbering);
        const out = new Uint32Array(count);
        pieces.keyed(65536 * 2, text).fill(spec, count, rows, out);
        expect([...out].map((id) => pieces.texts[id])).toEqual(expected.map((k) => `k${String(k)}`));
        // Once for a key in the table (131,072 keys); a key past it each time it is met.
        expect(Object.entries(made).every(([k, n]) => Number(k) >= 131072 || n === 1)).toBe(true);
        expect(Object.keys(made).length).toBeGreaterThan(1);
      }
    });
  }
  it('the dual-stack `::` gets its own key only where it is not IPv6-only', () => {
    const keys = new Uint32Array(500);
    native?.columnKeys(keys, 500, null, c.address, 2, c.family, true, 3, c.v6only, 12);
    const stars = [...keys.keys()].filter((i) => keys[i] === 12);
    expect(stars.length).toBeGreaterThan(5);
    expect(stars.every((i) => c.family[i] === 6 && c.address[i] === 3 && c.v6only[i] === 0)).toBe(true);
  });

  it('missingKeys and numberKeys: each key not numbered once, in order; keys past the table left to the caller', () => {
    const keys = Uint32Array.of(5, 2, 5, 9, 2, 70000, 1);
    const table = new Uint32Array(10);
    table[1] = 4; // key 1: number 3
    expect([...(native?.missingKeys(keys, 7, table) ?? [])]).toEqual([5, 2, 9]);
    expect([table[5], table[2], table[9]]).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
    table[5] = 1;
    table[2] = 2;
    table[9] = 3;
    expect([...(native?.numberKeys(keys, 7, table) ?? [])]).toEqual([5]);
    expect([...keys]).toEqual([0, 1, 0, 2, 1, 70000, 3]);
  });

  it('refuses arrays of the wrong type or shorter than the rows (EINVAL)', () => {
    const keys = new Uint32Array(4);
    const call =
      (...args: Parameters<KeyNumbering['columnKeys']>) =>
      () => {
        native?.columnKeys(...args);
      };
    expect(call(keys, 5, null, c.protocol, 1, null, false, -1, null, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(call(keys, 4, Uint32Array.of(0, 1, 2, 600), c.protocol, 1, null, false, -1, null, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(call(keys, 4, null, c.protocol, 1, null, true, 3, null, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => native?.numberKeys(keys, 5, new Uint32Array(4))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => native?.missingKeys(keys, 4, new Int32Array(4) as unknown as Uint32Array)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    // A row past every array (0xffffffff: what Uint32Array.from makes of -1), and a key past 2^32-1.
    expect(call(keys, 1, Uint32Array.of(0xffffffff), c.protocol, 1, null, false, -1, null, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(call(keys, 4, null, Uint32Array.of(3, 2 ** 31, 1, 0), 2, null, false, -1, null, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(call(keys, 4, null, c.protocol, -1, null, false, -1, null, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(call(keys, 4, null, c.protocol, 1, null, false, -1, null, 0)).not.toThrow();
  });

  it("soleOwners: the pid and fd of the one triple of each row's inode, as OwnerJoin.soleTriple; -1 for none or several", () => {
    const soleOwners = addon?.soleOwners;
    if (soleOwners === undefined) return;
    // Inodes 1-400 held once, 401-450 twice (by two pids), 451-460 by two fds of one pid; rows ask for 0-500.
    const triples: number[] = [];
    for (let inode = 1; inode <= 460; inode++) {
      triples.push(inode, 1000 + (inode % 7), inode);
      if (inode > 400) triples.push(inode, inode > 450 ? 1000 + (inode % 7) : 2000, inode + 5000);
    }
    const holders = Uint32Array.from(triples);
    const inodes = Uint32Array.from({ length: 501 }, (_v, i) => (i * 37) % 501);
    const join = new OwnerJoin({ holders, denied: [], gone: [] }, { bootTime: 0, users: new Map() });
    for (const order of [undefined, Uint32Array.from({ length: 200 }, (_v, i) => 500 - i)]) {
      const count = order?.length ?? 501;
      const pids = new Int32Array(count);
      const fds = new Uint32Array(count);
      const largest = soleOwners(holders, inodes, count, order ?? null, pids, fds);
      expect(largest).toBe(Math.max(-1, ...pids));
      expect(largest).toBeGreaterThan(1000);
      const expected = Array.from({ length: count }, (_v, i) => {
        const t = join.soleTriple(inodes[order === undefined ? i : (order[i] ?? 0)] ?? 0);
        return t === -1 ? [-1, 0] : [join.pidAt(t), join.fdAt(t)];
      });
      expect([...pids].map((pid, i) => [pid, fds[i]])).toEqual(expected);
      expect(expected.filter(([pid]) => pid === -1).length).toBeGreaterThan(10);
    }
    // No row with one owner: -1.
    expect(soleOwners(holders, Uint32Array.of(0, 9999, 401), 3, null, new Int32Array(3), new Uint32Array(3))).toBe(-1);
    expect(() => {
      soleOwners(holders, inodes, 502, null, new Int32Array(502), new Uint32Array(502));
    }).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => {
      soleOwners(holders, inodes, 5, null, new Uint32Array(5) as unknown as Int32Array, new Uint32Array(5));
    }).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('tagKeys and Pieces.numbersInto: each value as a number piece (bit 31 set), with the addon and without it', () => {
    const tagKeys = addon?.tagKeys;
    if (tagKeys === undefined || native === undefined) return;
    const values = Uint32Array.of(0, 5, 65535, 65536, 2147483646);
    const expected = [...values].map((v) => (v | 0x80000000) >>> 0);
    const out = new Uint32Array(6).fill(7);
    tagKeys(out, values, 5, 0x80000000);
    expect([...out]).toEqual([...expected, 7]);
    const withoutTagKeys: KeyNumbering = {
      columnKeys: native.columnKeys,
      missingKeys: native.missingKeys,
      numberKeys: native.numberKeys,
      ...(native.tableNumbers !== undefined && { tableNumbers: native.tableNumbers }),
    };
    for (const numbering of [native, withoutTagKeys]) {
      const made = new Uint32Array(5);
      new Pieces(numbering).numbersInto(made, values, 5);
      expect([...made]).toEqual(expected);
    }
    expect(() => {
      tagKeys(out, Uint32Array.of(1, 0x80000000), 2, 0x80000000);
    }).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => {
      tagKeys(new Uint32Array(2), values, 3, 0x80000000);
    }).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('numberBy: each key its text once, keys negative or without a number left, whatever table length at least the largest', () => {
    if (native === undefined) return;
    const keys = Int32Array.from({ length: 300 }, (_v, i) => (i % 11 === 0 ? -1 : (i * 13) % 97));
    const expected = [...keys].map((key) => (key < 0 || key % 5 === 0 ? null : `pid ${String(key)}`));
    for (const largest of [96, 500]) {
      const pieces = new Pieces(native);
      const out = new Uint32Array(300);
      const asked: number[] = [];
      const idOf = (key: number) => {
        asked.push(key);
        return key % 5 === 0 ? undefined : pieces.of(`pid ${String(key)}`);
      };
      const left = new Set(pieces.numberBy(keys, 300, out, idOf, largest));
      expect([...out].map((id, i) => (left.has(i) ? null : pieces.text(id)))).toEqual(expected);
      expect(asked).toEqual([...new Set([...keys].filter((k) => k >= 0))]);
    }
  });
});
