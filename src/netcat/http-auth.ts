/** One challenge of `Proxy-Authenticate`, or the credentials of `Proxy-Authorization` (RFC 9110 11). */
export interface AuthScheme {
  /** The auth-scheme as sent (`Basic`, `Digest`, `NTLM`): compare it case-insensitively. */
  readonly scheme: string;
  /** Its auth-params by lower-cased name, quoted-string values unquoted; a token68 is not kept. */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/;

/**
 * Parses header values holding comma-separated challenges or credentials (`Basic realm="x", NTLM,
 * Digest realm="x", nonce="n"`: three challenges), one value per header line. A bare token after a
 * scheme is a token68 (`Negotiate abc==`), skipped; text that is neither is skipped too, so a
 * malformed header yields fewer schemes rather than an error.
 */
export function parseAuthHeaders(values: readonly string[]): AuthScheme[] {
  const out: { scheme: string; params: Map<string, string> }[] = [];
  for (const value of values) {
    let i = 0;
    let current: (typeof out)[number] | undefined;
    let afterScheme = false;
    const skip = (re: RegExp) => {
      while (i < value.length && re.test(value.charAt(i))) i++;
    };
    const token = () => {
      const start = i;
      skip(TOKEN);
      return value.slice(start, i);
    };
    const quoted = () => {
      let text = '';
      for (i++; i < value.length && value.charAt(i) !== '"'; i++) {
        if (value.charAt(i) === '\\') i++;
        text += value.charAt(i);
      }
      i++;
      return text;
    };
    while (i < value.length) {
      skip(/[\s,]/);
      const before = i;
      const name = token();
      if (name === '') {
        // Not a token: a stray character, or a token68's trailing '=' padding.
        i = Math.max(i, before + 1);
        continue;
      }
      skip(/[ \t]/);
      if (value.charAt(i) === '=' && !/^=*[ \t]*(,|$)/.test(value.slice(i + 1))) {
        i++;
        skip(/[ \t]/);
        const param = value.charAt(i) === '"' ? quoted() : token();
        current?.params.set(name.toLowerCase(), param);
        afterScheme = false;
      } else if (afterScheme) {
        skip(/=/);
        afterScheme = false;
      } else {
        current = { scheme: name, params: new Map() };
        out.push(current);
        afterScheme = value.charAt(i) !== ',' && i < value.length;
      }
      skip(/[ \t]/);
      if (value.charAt(i) === ',') afterScheme = false;
    }
  }
  return out;
}

/** `value` as a quoted-string (backslash before `"` and `\`). */
export function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The values of the header `name` (case-insensitive) in a request or response head: lines after the
 * first, obsolete line folding (a line starting with a space or tab continues the last) undone.
 */
export function headerValues(head: string, name: string): string[] {
  const lines: string[] = [];
  for (const line of head.split(/\r?\n/).slice(1)) {
    if (/^[ \t]/.test(line) && lines.length > 0) lines.push(`${lines.pop() ?? ''} ${line.trim()}`);
    else if (line !== '') lines.push(line);
  }
  const wanted = name.toLowerCase();
  return lines.flatMap((line) => {
    const colon = line.indexOf(':');
    return colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted ? [line.slice(colon + 1).trim()] : [];
  });
}
