import type { TableWriter } from '../../src/cli/render/column-table.js';
import { Pieces } from '../../src/cli/render/pieces.js';
import { nativeAddon } from '../../src/index.js';

/** The addon's table writer (native/table.c, native/table-keys.c), when built with it. */
export const writer: TableWriter | undefined = (() => {
  const addon = nativeAddon();
  return addon?.tableRows && addon.tableWidths && addon.columnKeys && addon.missingKeys && addon.numberKeys
    ? (addon as TableWriter)
    : undefined;
})();

/** Rows of cells (each a head and a tail piece) from a fixed pseudo-random sequence: spaces at either end, empty cells, long ones. */
export function rowsOf(count: number, columns: number): [string, string][][] {
  const texts = [
    '',
    ' ',
    'a',
    'ab ',
    ' x',
    '12345',
    'LISTEN',
    '127.0.0.1:',
    '[::1]:',
    '443',
    'users:(("a",pid=1,fd=',
    '5))',
  ];
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16) % texts.length;
  return Array.from({ length: count }, () =>
    Array.from({ length: columns }, () => [texts[next()] ?? '', texts[next()] ?? ''] as [string, string]),
  );
}

/** The rows as the writer's arguments: pieces, and a head and a tail array per column. */
export function tableOf(rows: [string, string][][]) {
  const pieces = new Pieces(writer as TableWriter);
  const columns = rows[0]?.length ?? 0;
  const ids = Array.from({ length: 2 * columns }, () => new Uint32Array(rows.length));
  rows.forEach((row, i) => {
    row.forEach(([head, tail], k) => {
      (ids[2 * k] as Uint32Array)[i] = pieces.of(head);
      (ids[2 * k + 1] as Uint32Array)[i] = pieces.of(tail);
    });
  });
  return { pieces, encoded: pieces.encode(), ids };
}
