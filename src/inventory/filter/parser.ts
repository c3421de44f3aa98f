import { isIP } from 'node:net';
import { PortscopeError } from '../../errors.js';
import { servicePorts } from '../../registry/index.js';
import type { SocketState } from '../../model/index.js';
import type { CompareOp, FilterNode, HostNode, OwnerNode, PortNode } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { ALL_STATES, statesNamed } from './states.js';

const COMPARE: Readonly<Record<string, CompareOp>> = {
  '=': '=',
  '==': '=',
  eq: '=',
  '!=': '!=',
  ne: '!=',
  neq: '!=',
  '<': '<',
  lt: '<',
  '<=': '<=',
  le: '<=',
  '>': '>',
  gt: '>',
  '>=': '>=',
  ge: '>=',
};
const EQUALITY = new Set(['=', '!=']);
const PREDICATES = ['sport', 'dport', 'src', 'dst', 'pid', 'user', 'process', 'unit', 'container', 'netns'];
const AND = new Set(['and', '&', '&&']);
const OR = new Set(['or', '|', '||']);
const NOT = new Set(['not', '!']);

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of input' : `\`${token.text}\``;
}

function fail(token: Token, expected: string): never {
  const message = `Expected ${expected} at column ${String(token.column)}, got ${describe(token)}`;
  throw new PortscopeError('INVALID_FILTER', message, { column: token.column });
}

/**
 * Parses a filter expression (DESIGN.md section 4: ss's `[ state STATE ]... [ EXPRESSION ]` plus
 * portscope's owner predicates) into a typed AST. Service names resolve through the registry.
 * Leading `state`/`exclude` clauses combine as in ss (states are added, then excluded); inside the
 * expression `state X` is a predicate like any other (`sport = :22 and not state listening`).
 *
 * @example parseFilter("state established '( dport = :ssh or sport = :ssh )'")
 * @throws PortscopeError `INVALID_FILTER` with `column` (1-based) on any syntax or value error.
 */
export function parseFilter(source: string): FilterNode {
  const tokens = tokenize(source);
  let at = 0;
  const peek = (): Token => tokens[at] ?? { kind: 'end', text: '', column: source.length + 1 };
  const next = (): Token => {
    const token = peek();
    if (token.kind !== 'end') at++;
    return token;
  };
  const isWord = (token: Token, words: ReadonlySet<string>) =>
    (token.kind === 'word' && token.quoted !== true) || token.kind === 'op'
      ? words.has(token.text.toLowerCase())
      : false;

  const states = parseStateClauses();
  let expression: FilterNode = peek().kind === 'end' ? { type: 'all' } : parseOr();
  if (peek().kind !== 'end') fail(peek(), '`and`, `or` or the end of the expression');
  if (states !== undefined)
    expression = expression.type === 'all' ? states : { type: 'and', left: states, right: expression };
  return expression;

  function parseStateClauses(): FilterNode | undefined {
    const include = new Set<SocketState>();
    const exclude = new Set<SocketState>();
    let seen = false;
    while (isWord(peek(), new Set(['state', 'exclude']))) {
      const keyword = next().text.toLowerCase();
      const name = next();
      const named = name.kind === 'word' ? statesNamed(name.text) : undefined;
      if (named === undefined) fail(name, 'a state name (established, listening, time-wait, connected, all...)');
      for (const s of named) (keyword === 'state' ? include : exclude).add(s);
      seen = true;
    }
    if (!seen) return undefined;
    const base = include.size > 0 ? [...include] : ALL_STATES;
    return { type: 'state', states: base.filter((s) => !exclude.has(s)) };
  }

  function parseOr(): FilterNode {
    let left = parseAnd();
    while (isWord(peek(), OR)) {
      next();
      left = { type: 'or', left, right: parseAnd() };
    }
    return left;
  }

  function parseAnd(): FilterNode {
    let left = parseUnary();
    for (;;) {
      if (isWord(peek(), AND)) next();
      else if (!startsUnary(peek())) return left;
      left = { type: 'and', left, right: parseUnary() };
    }
  }

  function startsUnary(token: Token): boolean {
    if (token.kind === 'lparen') return true;
    return isWord(token, NOT) || isWord(token, new Set([...PREDICATES, 'state', 'exclude']));
  }

  function parseUnary(): FilterNode {
    if (isWord(peek(), NOT)) {
      next();
      return { type: 'not', operand: parseUnary() };
    }
    if (peek().kind === 'lparen') {
      next();
      const inner = parseOr();
      if (peek().kind !== 'rparen') fail(peek(), '`)`');
      next();
      return inner;
    }
    return parsePredicate();
  }

  function parsePredicate(): FilterNode {
    const keyword = next();
    const name = keyword.kind === 'word' && keyword.quoted !== true ? keyword.text.toLowerCase() : '';
    if (name === 'state' || name === 'exclude') {
      const token = next();
      const named = token.kind === 'word' ? statesNamed(token.text) : undefined;
      if (named === undefined) fail(token, 'a state name (established, listening, time-wait, connected, all...)');
      const node: FilterNode = { type: 'state', states: named };
      return name === 'state' ? node : { type: 'not', operand: node };
    }
    if (!PREDICATES.includes(name)) fail(keyword, `a predicate (${PREDICATES.join(', ')}) or \`(\``);
    if (name === 'sport' || name === 'dport') return parsePort(name === 'sport' ? 'local' : 'peer');
    if (name === 'src' || name === 'dst') return parseHost(name === 'src' ? 'local' : 'peer');
    return parseOwner(name as OwnerNode['type']);
  }

  function optionalOp(allowed: ReadonlySet<string>): CompareOp {
    const token = peek();
    const op =
      token.kind === 'op' || (token.kind === 'word' && token.quoted !== true)
        ? COMPARE[token.text.toLowerCase()]
        : undefined;
    if (op === undefined) return '=';
    if (!allowed.has(op)) fail(token, '`=` or `!=`');
    next();
    return op;
  }

  function value(expected: string): Token {
    const token = next();
    if (token.kind !== 'word') fail(token, expected);
    return token;
  }

  function parsePort(side: PortNode['side']): PortNode {
    const op = optionalOp(new Set(Object.values(COMPARE)));
    const token = value('a port such as `:22`, `:ssh` or `inet6::443`');
    let text = token.text;
    let family: PortNode['family'];
    const qualified = /^(inet6?):(.*)$/.exec(text);
    if (qualified?.[1] !== undefined && qualified[2] !== undefined) {
      family = qualified[1] === 'inet' ? 'inet' : 'inet6';
      text = qualified[2];
    }
    const port = portValue(text.startsWith(':') ? text.slice(1) : text, token);
    return family === undefined ? { type: 'port', side, op, port } : { type: 'port', side, op, port, family };
  }

  function portValue(text: string, token: Token): number {
    if (/^\d+$/.test(text)) {
      const port = Number(text);
      if (port > 65535) fail(token, 'a port between 0 and 65535');
      return port;
    }
    const entry = /^[a-z][\w.+-]*$/i.test(text) ? servicePorts(text)[0] : undefined;
    if (entry === undefined) fail(token, 'a port number or a known service name');
    return entry.port;
  }

  function parseHost(side: HostNode['side']): HostNode {
    const negate = optionalOp(EQUALITY) === '!=';
    const token = value('an address such as `10.0.0.0/8`, `[::1]:22`, `*:80` or `/run/*.sock`');
    const text = token.text.startsWith('unix:') ? token.text.slice(5) : token.text;
    if (text.startsWith('/') || text.startsWith('@')) return { type: 'host', side, address: text, negate };
    const parts = splitHostPort(text);
    if (parts === undefined) fail(token, 'an address such as `10.0.0.1:22` or `[::1]:22`');
    const { address, portText } = parts;
    const [ip = '', prefixText] = address.split('/');
    const host: { -readonly [K in keyof HostNode]: HostNode[K] } = { type: 'host', side, address: ip, negate };
    if (ip === 'localhost') host.address = 'localhost';
    else if (ip !== '*' && isIP(ip) === 0) fail(token, 'an IPv4 or IPv6 address, `localhost`, `*` or a unix path');
    if (prefixText !== undefined) {
      const limit = isIP(ip) === 6 ? 128 : 32;
      const prefix = Number(prefixText);
      if (!/^\d+$/.test(prefixText) || prefix > limit) fail(token, `a prefix length between 0 and ${String(limit)}`);
      host.prefixLength = prefix;
    }
    if (portText !== undefined && portText !== '*') host.port = portValue(portText, token);
    return host;
  }

  function parseOwner(type: OwnerNode['type']): OwnerNode {
    if (type === 'pid') {
      const op = optionalOp(new Set(Object.values(COMPARE)));
      const token = value('a process id');
      if (!/^\d+$/.test(token.text)) fail(token, 'a process id (a whole number)');
      return { type, op, value: Number(token.text) };
    }
    if (type === 'process') {
      const token = peek();
      const regex = token.text === '~' || token.text === '!~';
      const negate = token.text === '!=' || token.text === '!~';
      if (regex || negate || token.text === '=' || token.text === '==') next();
      const pattern = value(regex ? 'a regular expression' : 'a command name').text;
      if (regex) checkRegex(pattern, token);
      return { type, negate, pattern, regex };
    }
    const negate = optionalOp(EQUALITY) === '!=';
    const token = value(type === 'netns' ? 'a namespace inode or name' : `a ${type} name`);
    return { type, negate, value: token.text };
  }
}

function checkRegex(pattern: string, token: Token): void {
  try {
    new RegExp(pattern);
  } catch {
    fail(token, `a valid regular expression after \`${token.text}\``);
  }
}

/** `[v6]:port`, `v6` (2+ colons, no port), `v4:port`, `name:port`, `*:port`; each may carry `/prefix` on the address. */
function splitHostPort(text: string): { address: string; portText: string | undefined } | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    return { address: text.slice(1, close), portText: rest === '' ? undefined : rest.slice(1) };
  }
  const colons = text.split(':').length - 1;
  if (colons >= 2) return { address: text, portText: undefined };
  const colon = text.indexOf(':');
  if (colon < 0) return { address: text, portText: undefined };
  return { address: text.slice(0, colon), portText: text.slice(colon + 1) };
}
