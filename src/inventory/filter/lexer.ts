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
 * A bare word from `start`: up to a space, parenthesis, quote or operator character. As in ss, `\`
 * takes the next character literally (and is dropped); a `[...]` glob bracket is kept whole, so
 * `[!a]` is not read as an operator.
 */
function readWord(source: string, start: number): { text: string; end: number } {
  let text = '';
  let j = start;
  while (j < source.length && !WORD_END.has(source.charAt(j))) {
    const c = source.charAt(j);
    const close = c === '[' ? source.indexOf(']', j + 2) : -1;
    if (c === '\\' && j + 1 < source.length) {
      text += source.charAt(j + 1);
      j += 2;
    } else if (close > 0 && !/\s/.test(source.slice(j, close))) {
      text += source.slice(j, close + 1);
      j = close + 1;
    } else {
      text += c;
      j++;
    }
  }
  return { text, end: j };
}

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
      const word = readWord(source, i);
      tokens.push({ kind: 'word', text: word.text, column: i + 1 });
      i = word.end;
    }
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}
