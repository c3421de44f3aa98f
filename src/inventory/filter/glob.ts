const CLASSES: Readonly<Record<string, string>> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  xdigit: '0-9a-fA-F',
};

const escape = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const isLetter = (c: string) => /^[a-z]$/i.test(c);

/** A character (or, in a bracket, a range) with both cases when folding, as glibc folds literals and ranges. */
function folded(from: string, to: string | undefined, caseFold: boolean): string {
  const one = (a: string, b: string | undefined) => (b === undefined ? escape(a) : `${escape(a)}-${escape(b)}`);
  if (!caseFold) return one(from, to);
  const lo = one(from.toLowerCase(), to?.toLowerCase());
  const hi = one(from.toUpperCase(), to?.toUpperCase());
  return isLetter(from) && (to === undefined || isLetter(to)) && lo !== hi ? lo + hi : lo;
}

/** A `[...]` bracket expression at `start` as a RegExp class and where it ends, or undefined when unterminated. */
function bracket(glob: string, start: number, caseFold: boolean): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  while (i < glob.length && (glob[i] !== ']' || first)) {
    first = false;
    const cls = /^\[:([a-z]+):\]/.exec(glob.slice(i));
    // Classes test the name's character as it is, without folding (glibc).
    const chars = cls?.[1] === undefined ? undefined : CLASSES[cls[1]];
    if (cls !== null && chars !== undefined) {
      body += chars;
      i += cls[0].length;
      continue;
    }
    let c = glob.charAt(i);
    if (c === '\\' && i + 1 < glob.length) c = glob.charAt(++i);
    if (glob[i + 1] === '-' && glob[i + 2] !== undefined && glob[i + 2] !== ']') {
      body += folded(c, glob.charAt(i + 2), caseFold);
      i += 3;
    } else {
      body += folded(c, undefined, caseFold);
      i++;
    }
  }
  if (i >= glob.length) return undefined;
  return { source: `[${negate ? '^' : ''}${body}]`, end: i + 1 };
}

/**
 * A fnmatch(3) pattern as ss matches unix socket names (`FNM_CASEFOLD`, no `FNM_PATHNAME`):
 * `*` any run of characters (slashes and leading dots too), `?` one character, `[a-z]`, `[!x]`,
 * `[[:digit:]]` classes, `\` escapes the next character; letters match in any case unless `caseFold`
 * is false.
 */
export function fnmatchRegExp(glob: string, caseFold = true): RegExp {
  let source = '';
  for (let i = 0; i < glob.length;) {
    const c = glob.charAt(i);
    if (c === '*') {
      source += '[\\s\\S]*';
      i++;
    } else if (c === '?') {
      source += '[\\s\\S]';
      i++;
    } else if (c === '[') {
      const set = bracket(glob, i, caseFold);
      source += set === undefined ? '\\[' : set.source;
      i = set === undefined ? i + 1 : set.end;
    } else {
      const literal = c === '\\' && i + 1 < glob.length ? glob.charAt(++i) : c;
      source += caseFold && isLetter(literal) ? `[${folded(literal, undefined, true)}]` : escape(literal);
      i++;
    }
  }
  return new RegExp(`^${source}$`);
}
