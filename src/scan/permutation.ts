import { PortscopeError } from '../errors.js';

/** Which share of a scan this run covers: `index` of `count` (0-based), from `--shard i/N` (1-based). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** A 32-bit mix (the murmur3 finaliser), the Feistel round function. */
function mix(value: number, key: number): number {
  let h = (value ^ key) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seeded bijection of [0, size): a 4-round balanced Feistel network over the smallest even bit
 * width that holds `size`, with cycle walking back into range. The same seed gives the same
 * order on every machine, which is what lets shards split a scan without talking to each other.
 * `size` up to 2^52.
 */
export class Permutation {
  readonly size: number;
  private readonly mask: number;
  private readonly span: number;
  private readonly keys: number[];

  constructor(size: number, seed: number) {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new PortscopeError('INVALID_ARGUMENT', `Expected a scan size 0-2^52, got ${String(size)}`);
    this.size = size;
    let bits = 2;
    while (2 ** bits < size) bits += 2;
    this.span = 2 ** (bits / 2);
    this.mask = this.span - 1;
    this.keys = [1, 2, 3, 4].map((round) => mix(seed >>> 0, Math.imul(round, 0x9e3779b9)));
  }

  private round(x: number): number {
    // Once per scanned port: no power or iterator per call.
    const { span, keys, mask } = this;
    let left = Math.floor(x / span);
    let right = x % span;
    for (let i = 0; i < keys.length; i++) {
      const next = (left ^ (mix(right, keys[i] ?? 0) & mask)) >>> 0;
      left = right;
      right = next % span;
    }
    return left * span + right;
  }

  /** The element at position `i` of the permuted order (0 <= i < size). */
  at(i: number): number {
    let x = this.round(i);
    while (x >= this.size) x = this.round(x);
    return x;
  }
}

/**
 * The positions of [0, size) that `shard` covers, in the permuted order of `seed`: shard k of N takes
 * every N-th position starting at k, so N shards together cover every element exactly once.
 */
export function* shardOrder(size: number, seed: number, shard: Shard = { index: 0, count: 1 }): Generator<number> {
  const permutation = new Permutation(size, seed);
  for (let i = shard.index; i < size; i += shard.count) yield permutation.at(i);
}

/**
 * Parses `--shard i/N` (1-based, as in `1/3`) into a {@link Shard}.
 * @throws PortscopeError `INVALID_ARGUMENT` unless 1 <= i <= N.
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || index < 1 || count < 1 || index > count || count > 1_000_000) {
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected --shard as i/N with 1 <= i <= N (for example 2/4), got \`${text}\``,
    );
  }
  return { index: index - 1, count };
}
