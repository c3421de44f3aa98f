import { describe, expect, it } from 'vitest';
import { NUMBER_PIECE } from '../../src/cli/render/pieces.js';
import { layoutOfWidths, type Column } from '../../src/cli/render/table.js';
import { rowsOf, tableOf, writer } from '../helpers/table-pieces.js';

// Number pieces (native/table.c): a piece number with bit 31 set is written as its digits and then its
// column's suffix piece, so that a cell of many numbers (an fd per row) needs no text per number.

describe.skipIf(writer?.tableNumbers !== true)('number pieces of the native table writer', () => {
  it("writes number pieces as their digits and then their column's suffix, as their texts would be", () => {
    const rows = rowsOf(300, 3);
    const t = tableOf(rows);
    const numbers = [0, 7, 10, 99, 12345, 65536, 1048575, 2 ** 31 - 2];
    const suffixTexts = ['))', '', ' '];
    const suffixes = Uint32Array.from(suffixTexts, (text) => t.pieces.of(text));
    const encoded = t.pieces.encode();
    // Every third row's tail (and every fifth row's head) a number piece instead of its text.
    const cells = rows.map((row, i) =>
      row.map(([head, tail], k) => {
        const suffix = suffixTexts[k] ?? '';
        const n = numbers[(i + k) % numbers.length] ?? 0;
        const heads = t.ids[2 * k] as Uint32Array;
        const tails = t.ids[2 * k + 1] as Uint32Array;
        if (i % 5 === 0) heads[i] = NUMBER_PIECE + n;
        if (i % 3 === 0) tails[i] = NUMBER_PIECE + n;
        return (i % 5 === 0 ? `${String(n)}${suffix}` : head) + (i % 3 === 0 ? `${String(n)}${suffix}` : tail);
      }),
    );
    expect(t.pieces.text(NUMBER_PIECE + 12345, suffixes[0])).toBe('12345))');
    const columns: Column[] = ['A', 'B', 'C'].map((header, k) => ({ header, align: k === 1 ? 'right' : 'left' }));
    const measured = new Uint32Array(2);
    writer?.tableWidths(encoded.lengths, t.ids, rows.length, measured, suffixes);
    const widest = [0, 1].map((k) => Math.max(0, ...cells.map((row) => (row[k] ?? '').length)));
    expect([...measured]).toEqual(widest);
    const layout = layoutOfWidths(columns, [...measured, Infinity], { header: false, width: undefined });
    const out = Buffer.alloc(1 << 20);
    const state = new Uint32Array(2);
    const widths = Uint32Array.from(layout.widths, (w) => (Number.isFinite(w) ? w : 0));
    const right = Uint8Array.of(0, 1, 0);
    const { bytes, starts, plain } = encoded;
    writer?.tableRows(bytes, starts, plain, t.ids, widths, right, 0, rows.length, out, state, suffixes);
    expect(state[0]).toBe(rows.length);
    expect(out.subarray(0, state[1]).toString('latin1')).toBe(cells.map((row) => `${layout.line(row)}\n`).join(''));
    // Without suffixes, or with a suffix piece out of range, a number piece is refused.
    const call = (given?: Uint32Array) => () => {
      writer?.tableRows(bytes, starts, plain, t.ids, widths, right, 0, rows.length, out, state, given);
    };
    expect(call()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(call(Uint32Array.of(0, 0, t.pieces.texts.length))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(call(Uint32Array.of(0, 0))).toThrow(expect.objectContaining({ code: 'EINVAL' })); // one per column
    expect(() => writer?.tableWidths(encoded.lengths, t.ids, rows.length, measured)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });

  it('refuses UNHANDLED (a row a cell left) as a piece, suffixes or not', () => {
    const t = tableOf([[['a', 'b']], [['c', 'd']]]);
    const heads = t.ids[0] as Uint32Array;
    heads[1] = 0xffffffff;
    const suffixes = Uint32Array.of(t.pieces.of('))'));
    const { bytes, starts, plain, lengths } = t.pieces.encode();
    const out = Buffer.alloc(64);
    const state = new Uint32Array(2);
    const rows = () => {
      writer?.tableRows(bytes, starts, plain, t.ids, Uint32Array.of(4), Uint8Array.of(0), 0, 2, out, state, suffixes);
    };
    expect(rows).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => writer?.tableWidths(lengths, t.ids, 2, new Uint32Array(1), suffixes)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    heads[1] = NUMBER_PIECE + 2 ** 31 - 2; // the largest number piece
    expect(rows).not.toThrow();
    expect(out.subarray(0, state[1]).toString('latin1')).toBe('ab\n2147483646))d\n');
  });
});
