import { describe, expect, it } from 'vitest';
import { Permutation, parseShard, shardOrder } from '../../src/index.js';

describe('seeded permutation and shards', () => {
  it.each([1, 2, 3, 7, 100, 1000, 65535, 70_001])('is a bijection of [0, %i)', (size) => {
    const p = new Permutation(size, 12345);
    const seen = new Uint8Array(size);
    for (let i = 0; i < size; i++) seen[p.at(i)] = 1;
    expect(seen.every((v) => v === 1)).toBe(true);
  });

  it('gives the same order for the same seed and another order for another seed', () => {
    const a = [...shardOrder(1000, 7)];
    expect([...shardOrder(1000, 7)]).toEqual(a);
    const b = [...shardOrder(1000, 8)];
    expect(b).not.toEqual(a);
    // Not the identity, nor a rotation of it.
    expect(a.filter((x, i) => x === i).length).toBeLessThan(20);
  });

  it('splits a scan into shards that cover every element exactly once', () => {
    const size = 10_007;
    const count = new Uint8Array(size);
    for (let index = 0; index < 3; index++)
      for (const x of shardOrder(size, 99, { index, count: 3 })) count[x] = (count[x] ?? 0) + 1;
    expect(count.every((c) => c === 1)).toBe(true);
  });

  it('parses --shard i/N, 1-based', () => {
    expect(parseShard('2/4')).toEqual({ index: 1, count: 4 });
    for (const bad of ['0/4', '5/4', '1', 'a/b', '1/0'])
      expect(() => parseShard(bad)).toThrow(/Expected --shard as i\/N/);
  });
});
