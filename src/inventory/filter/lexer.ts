import { PortscopeError } from '../../errors.js';

/** A token of a filter expression; `column` is 1-based in the source text. */
export interface Token {
  readonly kind: 'word' | 'op' | 'lparen' | 'rparen' | 'end';
  readonly text: string;
  readonly column: number;
  /** True when the word was quoted (so `'and'` is a value, not the operator). */
  readonly quoted?: boolean;
}

const OPERATORS = ['==', '!=', '<=', '>=', '!~', '&&', '||', '=', '<', '>', '~', '!', '&', '|'];
const WORD_END = new Set([' ', '\t', '\n', '(', ')', '=', '!', '<', '>', '~', '&', '|', '"', "'"]);

/**
 * Splits a filter expression into tokens: words (bare or quoted with ' or "), operators, parentheses.
 * @throws PortscopeError `INVALID_FILTER` for an unterminated quote.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, column: i + 1 });
      i++;
    } else if (c === '"' || c === "'") {
      const close = source.indexOf(c, i + 1);
      if (close < 0) {
        throw new PortscopeError('INVALID_FILTER', `Unterminated quote ${c} at column ${String(i + 1)}`, {
          column: i + 1,
        });
      }
      tokens.push({ kind: 'word', text: source.slice(i + 1, close), column: i + 1, quoted: true });
      i = close + 1;
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (op !== undefined) {
        tokens.push({ kind: 'op', text: op, column: i + 1 });
        i += op.length;
        continue;
      }
      let j = i;
      while (j < source.length && !WORD_END.has(source.charAt(j))) j++;
      tokens.push({ kind: 'word', text: source.slice(i, j), column: i + 1 });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}
