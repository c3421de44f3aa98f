import type { ChunkedOutput } from './chunked-output.js';

/** `JSON.stringify(value, null, 2)` of a value nested `depth` levels deep in an object or array. */
function nested(value: unknown, depth: number): string {
  return (JSON.stringify(value, null, 2) as string | undefined)?.replaceAll('\n', `\n${'  '.repeat(depth)}`) ?? 'null';
}

/**
 * Writes `JSON.stringify(document, null, 2)` byte for byte, but one array element at a time for the
 * document's array-valued properties (a snapshot's `sockets`), so that the text of a listing of
 * millions of sockets is never one string. `document` is a plain object without `toJSON`.
 */
export async function writeJsonDocument(document: object, out: ChunkedOutput): Promise<void> {
  const entries = Object.entries(document).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
  if (entries.length === 0) {
    out.add('{}\n');
    return;
  }
  out.add('{');
  for (const [index, [key, value]] of entries.entries()) {
    out.add(`${index === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `);
    if (!Array.isArray(value) || value.length === 0) {
      out.add(nested(value, 1));
      continue;
    }
    out.add('[');
    for (let i = 0; i < value.length; i++) {
      if (out.add(`${i === 0 ? '' : ','}\n    ${nested(value[i], 2)}`)) await out.flush();
    }
    out.add('\n  ]');
  }
  out.add('\n}\n');
}
