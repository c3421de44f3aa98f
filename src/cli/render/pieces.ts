import type { NativeAddon } from '../../inventory/linux/native.js';

/** A column of integers, as SocketColumns holds them. */
export type IntColumn = Uint8Array | Int8Array | Uint16Array | Uint32Array;

/**
 * How a keyed cell's key comes from a row's columns: `a[row] * m + b[row]` (b[row] == 6, 0 or 1, where `family`;
 * 0 without b); `star.key` instead for the dual-stack `::` (b a family column, a[row] == star.index, v6only 0).
 */
export interface KeySpec {
  readonly a: IntColumn;
  readonly m: number;
  readonly b?: IntColumn;
  readonly family?: boolean;
  readonly star?: { readonly index: number; readonly v6only: Int8Array; readonly key: number };
}

/** Row `row`'s key by `spec` (what the addon's columnKeys gives for it). */
export function keyOf(spec: KeySpec, row: number): number {
  const first = spec.a[row] ?? 0;
  let second = spec.b?.[row] ?? 0;
  if (spec.family === true) second = second === 6 ? 1 : 0;
  const { star } = spec;
  if (star !== undefined && star.index >= 0 && second === 1 && first === star.index && star.v6only[row] === 0)
    return star.key;
  return first * spec.m + second;
}

/** The addon's functions that number a table's keys (native/table-keys.c). */
export type KeyNumbering = Required<Pick<NativeAddon, 'columnKeys' | 'missingKeys' | 'numberKeys'>> &
  Pick<NativeAddon, 'tableNumbers' | 'tagKeys'>;

/**
 * Bit 31 of a piece number: a number piece, the decimal digits of the low 31 bits followed by its cell's
 * suffix piece (ColumnCell.suffix), written by the addon without a text made per number (Pieces.numberPieces).
 * For numbers below 2^31 - 1 (fds, pids): 0xffffffff is UNHANDLED (column-cells.ts), which the writer refuses.
 */
export const NUMBER_PIECE = 0x80000000;

/** The texts of a {@link Pieces} as the addon's table writer takes them (native/table.c). */
export interface EncodedPieces {
  /** Every printable-ASCII piece's bytes, one after the other. */
  readonly bytes: Buffer;
  /** Piece i is `bytes[starts[i]..starts[i + 1]]` (empty for a piece that is not printable ASCII). */
  readonly starts: Uint32Array;
  /** 1 for a piece made of printable ASCII only (32-126), which the writer can copy; 0 for the others. */
  readonly plain: Uint8Array;
  /** Each piece's length in UTF-16 code units (`text.length`): what a table's widths are measured in. */
  readonly lengths: Uint32Array;
}

/**
 * Pieces of table cells' text (an address's `host:`, a port label, a state...), each stored once and named
 * by a number, so that the rows of a listing in columns can be handed to the addon's table writer as arrays
 * of numbers instead of strings. Piece 0 is the empty text.
 */
export class Pieces {
  /** `native`: the addon's key numbering, for {@link KeyedPieces.fill}. */
  constructor(readonly native: KeyNumbering) {
    this.numberPieces = native.tableNumbers === true;
  }

  /** Whether the addon's table writer takes number pieces ({@link NUMBER_PIECE}). */
  readonly numberPieces: boolean;

  /** The text of piece `id`; of a number piece, its digits and then the text of piece `suffix`. */
  text(id: number, suffix = 0): string {
    if (id >= NUMBER_PIECE) return `${String(id - NUMBER_PIECE)}${this.texts[suffix] ?? ''}`;
    return this.texts[id] ?? '';
  }

  /** The texts, by number. */
  readonly texts: string[] = [''];
  private readonly numbers = new Map<string, number>([['', 0]]);

  /** The number of `text`, stored the first time it is asked for. */
  of(text: string): number {
    let id = this.numbers.get(text);
    if (id === undefined) {
      id = this.texts.push(text) - 1;
      this.numbers.set(text, id);
    }
    return id;
  }

  /** A new number for `text`, without looking for it among the others (for texts made once each: by key). */
  add(text: string): number {
    return this.texts.push(text) - 1;
  }

  /**
   * Numbers by a key below `size` (a port, a state code...), each key's text made by `text` and numbered
   * once; a key at or above `size` is numbered on every use.
   */
  keyed(size: number, text: (key: number) => string): KeyedPieces {
    return new KeyedPieces(this, size, text);
  }

  /**
   * For i below `count`, out[i] = the number `idOf` gives keys[i] (a non-negative integer: a pid...), asked once
   * per distinct key (undefined: no number); returns the i whose key is negative or has no number, whose out[i]
   * is left for the caller. The keys are numbered by the addon (missingKeys, numberKeys) through a table as
   * long as `largest` (at least every key: ColumnOwners.soles' largestPid).
   */
  numberBy(
    keys: Int32Array,
    count: number,
    out: Uint32Array,
    idOf: (key: number) => number | undefined,
    largest: number,
  ): Uint32Array {
    out.set(new Uint32Array(keys.buffer, keys.byteOffset, count)); // a negative key is past the table
    const table = new Uint32Array(largest + 1); // each key's number + 1 (0: not numbered yet)
    for (const key of this.native.missingKeys(out, count, table)) {
      const id = idOf(key);
      if (id !== undefined) table[key] = id + 1; // else left as missingKeys marked it: unnumbered
    }
    return this.native.numberKeys(out, count, table);
  }

  /**
   * out[i] = the number piece of values[i] ({@link NUMBER_PIECE} + the value) for i below `count`, by the
   * addon's tagKeys where it has it (a loop over 100k rows run once costs ~2 ms uncompiled). Each value must be
   * below 2^31 - 1. @throws Error with `code` EINVAL (from the addon) for a value of 2^31 or more.
   */
  numbersInto(out: Uint32Array, values: Uint32Array, count: number): void {
    if (this.native.tagKeys !== undefined) this.native.tagKeys(out, values, count, NUMBER_PIECE);
    else for (let i = 0; i < count; i++) out[i] = NUMBER_PIECE + (values[i] ?? 0);
  }

  /** The texts as bytes and bounds, for native/table.c. */
  encode(): EncodedPieces {
    const { texts } = this;
    const starts = new Uint32Array(texts.length + 1);
    const plain = new Uint8Array(texts.length);
    const lengths = new Uint32Array(texts.length);
    // Most often every piece is printable ASCII: one test and one copy of them all (a test and a write per
    // piece cost ~0.6 us each: 5 ms for the 8,000 pieces of ls -tan at 100k).
    const joined = texts.join('');
    if (!/[^\x20-\x7e]/.test(joined)) {
      let at = 0;
      for (let i = 0; i < texts.length; i++) {
        starts[i] = at;
        lengths[i] = texts[i]?.length ?? 0;
        at += lengths[i] ?? 0;
      }
      starts[texts.length] = at;
      return { bytes: Buffer.from(joined, 'latin1'), starts, plain: plain.fill(1), lengths };
    }
    let size = 0;
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i] ?? '';
      lengths[i] = text.length;
      if (!/[^\x20-\x7e]/.test(text)) {
        plain[i] = 1;
        size += text.length;
      }
    }
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < texts.length; i++) {
      starts[i] = at;
      if (plain[i] === 1) at += bytes.write(texts[i] ?? '', at, 'latin1');
    }
    starts[texts.length] = at;
    return { bytes, starts, plain, lengths };
  }
}

/** Numbers in a {@link Pieces} of texts made by key: see Pieces.keyed. */
export class KeyedPieces {
  /** Each key's number plus one (0: not numbered yet), so that the array needs no filling. */
  private readonly ids: Uint32Array;

  constructor(
    private readonly pieces: Pieces,
    private readonly size: number,
    private readonly text: (key: number) => string,
  ) {
    this.ids = new Uint32Array(size);
  }

  /** The number of key's text. */
  id(key: number): number {
    if (!(key < this.size)) return this.pieces.of(this.text(key));
    const known = this.ids[key] ?? 0;
    if (known > 0) return known - 1;
    const id = this.pieces.add(this.text(key));
    this.ids[key] = id + 1;
    return id;
  }

  /**
   * For i below `count`, out[i] = the number of key keys[i]'s text: the texts of the keys met for the first
   * time (the addon's missingKeys), then the numbers (numberKeys); keys past `size` one by one here.
   */
  fillFrom(keys: Uint32Array, count: number, out: Uint32Array): void {
    out.set(keys.subarray(0, count));
    this.number(count, out);
  }

  /**
   * For i below `count`, out[i] = the number of the text of row order[i]'s key by `spec` (row i without
   * `order`): with the addon, the keys (columnKeys), the texts of the keys met for the first time (missingKeys),
   * then the numbers (numberKeys); keys past `size` one by one here.
   */
  fill(spec: KeySpec, count: number, order: Uint32Array | undefined, out: Uint32Array): void {
    const { native } = this.pieces;
    const { star } = spec;
    native.columnKeys(
      out,
      count,
      order ?? null,
      spec.a,
      spec.m,
      spec.b ?? null,
      spec.family === true,
      star?.index ?? -1,
      star?.v6only ?? null,
      star?.key ?? 0,
    );
    this.number(count, out);
  }

  /** out[i] (a key) = its text's number, for i below `count`. */
  private number(count: number, out: Uint32Array): void {
    const { native } = this.pieces;
    for (const key of native.missingKeys(out, count, this.ids)) this.ids[key] = this.pieces.add(this.text(key)) + 1;
    for (const i of native.numberKeys(out, count, this.ids)) out[i] = this.id(out[i] ?? 0);
  }
}
