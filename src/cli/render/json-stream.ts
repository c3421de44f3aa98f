import type { ChunkedOutput } from './chunked-output.js';

/** `JSON.stringify(value, null, 2)` of a value nested `depth` levels deep in an object or array. */
function nested(value: unknown, depth: number): string {
  return (JSON.stringify(value, null, 2) as string | undefined)?.replaceAll('\n', `\n${'  '.repeat(depth)}`) ?? 'null';
}

/** How deep the elements of a document's arrays are nested: the document, then the array. */
export const ROW_DEPTH = 2;

/**
 * An array of a document made row by row as it is written (a listing in columns): `text(row)` is
 * `JSON.stringify(element, null, 2)` of its element `row` nested {@link ROW_DEPTH} levels deep, as in the
 * document's text.
 */
export class JsonRows {
  constructor(
    readonly count: number,
    readonly text: (row: number) => string,
  ) {}
}

/**
 * Writes `JSON.stringify(document, null, 2)` byte for byte, but one array element at a time for the
 * document's array-valued properties (a snapshot's `sockets`), so that the text of a listing of
 * millions of sockets is never one string; a {@link JsonRows} property is written as the array it stands
 * for. `document` is a plain object without `toJSON`.
 */
export async function writeJsonDocument(document: object, out: ChunkedOutput): Promise<void> {
  const entries: [string, unknown][] = Object.entries(document).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
  if (entries.length === 0) {
    out.add('{}\n');
    return;
  }
  out.add('{');
  for (const [index, [key, value]] of entries.entries()) {
    out.add(`${index === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `);
    const array: unknown[] | undefined = Array.isArray(value) ? value : undefined;
    const rows = array === undefined ? value : new JsonRows(array.length, (i) => nested(array[i], ROW_DEPTH));
    if (!(rows instanceof JsonRows) || rows.count === 0) {
      out.add(rows instanceof JsonRows ? '[]' : nested(value, 1));
      continue;
    }
    out.add('[');
    for (let i = 0; i < rows.count; i++) {
      if (out.add(`${i === 0 ? '' : ','}\n    ${rows.text(i)}`)) await out.flush();
    }
    out.add('\n  ]');
  }
  out.add('\n}\n');
}
