/**
 * The head of an HTTP/1.x message as ncat 7.93's proxy server reads it (ncat/http.c): lines end in
 * CRLF or a bare LF, a line that starts with a space or tab continues the field before it, and the
 * sizes are bounded (a request line of 1024 bytes, a header of 10240: 413 past them).
 */

/** One header field, its value unfolded (each run of spaces, tabs and folds made one space). */
export type HeaderField = readonly [name: string, value: string];

/** ncat's limits, in bytes, line ends included: past them the answer is 413. */
export const HEAD_LIMITS = { firstLineBytes: 1024, headerBytes: 10_240 } as const;

/**
 * Where the head in `buf` ends: its byte count once the blank line that ends it has arrived;
 * `undefined` while more bytes are needed; 'too large' (413) when the first line or the header outgrows
 * {@link HEAD_LIMITS}. Blank lines before the first line are part of the head (RFC 9112 2.2: a
 * server ignores them), counted against the first line's limit.
 */
export function headLength(buf: Buffer): number | undefined | 'too large' {
  let start = 0;
  let firstEnd: number;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) return buf.length >= HEAD_LIMITS.firstLineBytes - 1 ? 'too large' : undefined;
    if (nl + 1 >= HEAD_LIMITS.firstLineBytes) return 'too large';
    const blank = nl === start || (nl === start + 1 && buf[start] === 13);
    start = nl + 1;
    if (!blank) {
      firstEnd = start;
      break;
    }
  }
  for (let at = firstEnd; ;) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) return buf.length - firstEnd >= HEAD_LIMITS.headerBytes - 1 ? 'too large' : undefined;
    if (nl + 1 - firstEnd >= HEAD_LIMITS.headerBytes) return 'too large';
    if (nl === at || (nl === at + 1 && buf[at] === 13)) return nl + 1;
    at = nl + 1;
  }
}

/** A head split at its first line: that line (no line end) and the header fields (or 400: not fields). */
export function splitHead(head: string): { readonly line: string; readonly fields: HeaderField[] | 400 } {
  const text = head.replace(/^(\r?\n)+/, '');
  const nl = text.indexOf('\n');
  return { line: text.slice(0, nl).replace(/\r$/, ''), fields: parseFields(text.slice(nl + 1)) };
}

// RFC 9110 5.6.2: a token is visible ASCII but for the delimiters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A request line: `METHOD URI [HTTP/x.y]` (no version is HTTP/0.9, as ncat takes it), or 400. */
export function parseRequestLine(line: string): { readonly method: string; readonly uri: string } | 400 {
  // As ncat, words after the version are ignored.
  const [method = '', uri = '', version] = line.trim().split(/ +/);
  if (!TOKEN.test(method) || uri === '') return 400;
  if (version !== undefined && !/^HTTP\/\d+(\.\d+)?$/.test(version)) return 400;
  return { method, uri };
}

/**
 * The fields of a header block (everything after the first line, the blank line included), as
 * ncat's http_parse_header: `name: value`, the name a token, the value's whitespace and folds made
 * single spaces; a control character in a value or a line that is not a field is 400.
 */
export function parseFields(block: string): HeaderField[] | 400 {
  const lines = block.split(/\r?\n/);
  const fields: [string, string][] = [];
  for (const line of lines) {
    if (line === '') break;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = fields.at(-1);
      if (last === undefined) return 400;
      last[1] = `${last[1]} ${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon < 0 || !TOKEN.test(name)) return 400;
    fields.push([name, line.slice(colon + 1)]);
  }
  for (const field of fields) {
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(field[1])) return 400;
    field[1] = field[1].trim().replace(/[ \t]+/g, ' ');
  }
  return fields;
}

/** Every value of the field `name` (any case) joined with `, ` (RFC 9110 5.3), or undefined. */
export function fieldValue(fields: readonly HeaderField[], name: string): string | undefined {
  const values = fields.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(', ');
}

/** Hop-by-hop fields (RFC 2616 13.5.1, as ncat's list), dropped besides those `Connection` names. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailers',
  'transfer-encoding',
  'upgrade',
];

/**
 * The fields without the hop-by-hop ones: ncat's list and every field that the `Connection`
 * fields (all of them, joined) name; a `Connection` value that is not a comma-separated token list
 * is 400, as in ncat.
 */
export function withoutHopByHop(fields: readonly HeaderField[]): HeaderField[] | 400 {
  const connection = fieldValue(fields, 'connection');
  const named = connection === undefined ? [] : connection.split(',').map((t) => t.replace(/^ +/, ''));
  if (named.some((token) => !TOKEN.test(token))) return 400;
  const drop = new Set([...HOP_BY_HOP, ...named.map((t) => t.toLowerCase())]);
  return fields.filter(([name]) => !drop.has(name.toLowerCase()));
}
