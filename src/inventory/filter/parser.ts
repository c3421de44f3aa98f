import { PortscopeError } from '../../errors.js';
import type { Family, SocketState } from '../../model/index.js';
import type { CompareOp, FilterNode, HostNode, KernelNode, OwnerNode, PortNode } from './ast.js';
import { parseCInteger } from './host-syntax.js';
import { tokenize, type Token } from './lexer.js';
import { readIpHost, readPort, splitFamily, type Read } from './parse-host.js';
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
  leq: '<=',
  '>': '>',
  gt: '>',
  '>=': '>=',
  ge: '>=',
  geq: '>=',
};
const ALL_OPS = new Set(Object.values(COMPARE));
const EQUALITY = new Set<CompareOp>(['=', '!=']);
const PREDICATES = [
  'sport',
  'dport',
  'src',
  'dst',
  'dev',
  'fwmark',
  'cgroup',
  'autobound',
  'pid',
  'user',
  'process',
  'unit',
  'container',
  'netns',
];
const STATE_WORDS = new Set(['state', 'exclude', 'excl']);
const AND = new Set(['and', '&', '&&']);
const OR = new Set(['or', '|', '||']);
const NOT = new Set(['not', '!']);
/** Deeper nesting of `(` and `not` is refused: no one writes it, and it would exhaust the stack. */
const MAX_DEPTH = 200;
const NOTHING: FilterNode = { type: 'not', operand: { type: 'all' } };

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of input' : `\`${token.text}\``;
}

function fail(token: Token, expected: string): never {
  const message = `Expected ${expected} at column ${String(token.column)}, got ${describe(token)}`;
  throw new PortscopeError('INVALID_FILTER', message, { column: token.column });
}

function must<T>(read: Read<T>, token: Token): T {
  if (!read.ok) fail(token, read.expected);
  return read.value;
}

/** `a op b op c ...` as a balanced tree, so that long chains stay shallow for every recursive walk. */
function balanced(type: 'and' | 'or', nodes: readonly FilterNode[]): FilterNode {
  if (nodes.length === 1 && nodes[0] !== undefined) return nodes[0];
  const mid = nodes.length >> 1;
  return { type, left: balanced(type, nodes.slice(0, mid)), right: balanced(type, nodes.slice(mid)) };
}

/**
 * Parses a filter expression (docs/filter.md: everything ss's `[ state STATE ]... [ EXPRESSION ]` takes,
 * plus portscope's owner predicates) into a typed AST. Service names resolve through the registry; host
 * names, `dev` names and `cgroup` paths are kept as written and resolved by compileFilter. Leading
 * `state`/`exclude` clauses apply in order as in ss; inside the expression `state X` is a predicate like any
 * other. `and` binds tighter than `or`, as ss's man page says (ss itself reads them left to right).
 * A `FAMILY:` prefix (`inet:`, `inet6:`, `unix:`, or a unix path) restricts the whole query to the family
 * of the last one written, as in ss.
 *
 * @example parseFilter("state established '( dport = :ssh or sport = :ssh )'")
 * @throws PortscopeError `INVALID_FILTER` with `column` (1-based) on any syntax or value error, and for
 *   more than 200 nested `(` or `not`.
 */
export function parseFilter(source: string): FilterNode {
  const tokens = tokenize(source);
  let at = 0;
  let family: Family | undefined;
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
  let expression: FilterNode = peek().kind === 'end' ? { type: 'all' } : parseOr(0);
  if (peek().kind !== 'end') fail(peek(), '`and`, `or` or the end of the expression');
  if (states !== undefined)
    expression = expression.type === 'all' ? states : { type: 'and', left: states, right: expression };
  if (family !== undefined)
    expression = { type: 'and', left: { type: 'family', families: [family] }, right: expression };
  return expression;

  function stateName(): readonly SocketState[] {
    const token = next();
    const named = token.kind === 'word' ? statesNamed(token.text) : undefined;
    if (named === undefined) fail(token, 'a state name (established, listening, time-wait, connected, all...)');
    return named;
  }

  /** ss's leading clauses: `state` starts from no state, `exclude` from all, each then adds or removes. */
  function parseStateClauses(): FilterNode | undefined {
    let chosen: Set<SocketState> | undefined;
    while (isWord(peek(), STATE_WORDS)) {
      const include = next().text.toLowerCase() === 'state';
      const named = stateName();
      chosen ??= new Set(include ? [] : ALL_STATES);
      for (const s of named) {
        if (include) chosen.add(s);
        else chosen.delete(s);
      }
    }
    return chosen === undefined ? undefined : { type: 'state', states: ALL_STATES.filter((s) => chosen.has(s)) };
  }

  function parseOr(depth: number): FilterNode {
    const operands = [parseAnd(depth)];
    while (isWord(peek(), OR)) {
      next();
      operands.push(parseAnd(depth));
    }
    return balanced('or', operands);
  }

  function parseAnd(depth: number): FilterNode {
    const operands = [parseUnary(depth)];
    for (;;) {
      if (isWord(peek(), AND)) next();
      else if (!startsUnary(peek())) return balanced('and', operands);
      operands.push(parseUnary(depth));
    }
  }

  function startsUnary(token: Token): boolean {
    if (token.kind === 'lparen') return true;
    return isWord(token, NOT) || isWord(token, new Set([...PREDICATES, ...STATE_WORDS]));
  }

  function parseUnary(depth: number): FilterNode {
    if (depth >= MAX_DEPTH && (isWord(peek(), NOT) || peek().kind === 'lparen'))
      fail(peek(), `at most ${String(MAX_DEPTH)} nested \`(\` and \`not\``);
    if (isWord(peek(), NOT)) {
      next();
      return { type: 'not', operand: parseUnary(depth + 1) };
    }
    if (peek().kind === 'lparen') {
      next();
      const inner = parseOr(depth + 1);
      if (peek().kind !== 'rparen') fail(peek(), '`)`');
      next();
      return inner;
    }
    return parsePredicate();
  }

  function parsePredicate(): FilterNode {
    const keyword = next();
    const name = keyword.kind === 'word' && keyword.quoted !== true ? keyword.text.toLowerCase() : '';
    if (STATE_WORDS.has(name)) {
      const node: FilterNode = { type: 'state', states: stateName() };
      return name === 'state' ? node : { type: 'not', operand: node };
    }
    if (!PREDICATES.includes(name)) fail(keyword, `a predicate (${PREDICATES.join(', ')}) or \`(\``);
    if (name === 'sport' || name === 'dport') return parsePort(name === 'sport' ? 'local' : 'peer');
    if (name === 'src' || name === 'dst') return parseHost(name === 'src' ? 'local' : 'peer');
    if (name === 'dev' || name === 'fwmark' || name === 'cgroup' || name === 'autobound') return parseKernel(name);
    return parseOwner(name as OwnerNode['type']);
  }

  function optionalOp(allowed: ReadonlySet<CompareOp>): CompareOp {
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

  function parsePort(side: PortNode['side']): FilterNode {
    const op = optionalOp(ALL_OPS);
    const token = value('a port such as `:22`, `:ssh` or `inet6::443`');
    const split = must(splitFamily(token.text), token);
    if (split.family === 'unix') fail(token, 'a port, with `inet:` or `inet6:` if any family');
    if (split.family !== undefined) family = split.family;
    const rest = split.rest.startsWith(':') ? split.rest.slice(1) : split.rest;
    const port = must(readPort(rest), token);
    // ss: `= *` is any port; ordering against `*` holds for no inet socket.
    if (port === '*')
      return op === '=' || op === '!=' ? { type: 'host', side, address: '*', negate: op === '!=' } : NOTHING;
    const node: PortNode = { type: 'port', side, op, port };
    return split.family === undefined ? node : { ...node, family: split.family };
  }

  function parseHost(side: HostNode['side']): HostNode {
    const negate = optionalOp(EQUALITY) === '!=';
    const token = value('an address such as `10.0.0.0/8`, `[::1]:22`, `*:80` or `unix:/run/*.sock`');
    const split = must(splitFamily(token.text), token);
    const unixPath = split.family === undefined && /^[/@]/.test(split.rest);
    if (split.family === 'unix' || unixPath) {
      family = 'unix';
      return { type: 'host', side, address: split.rest, negate, unix: true };
    }
    if (split.family !== undefined) family = split.family;
    const host = must(readIpHost(split.rest, split.family), token);
    return {
      type: 'host',
      side,
      address: host.address,
      negate,
      ...(host.prefixLength === undefined ? {} : { prefixLength: host.prefixLength }),
      ...(host.port === undefined ? {} : { port: host.port }),
    };
  }

  function parseKernel(type: KernelNode['type']): KernelNode {
    if (type === 'autobound') return { type };
    const negate = optionalOp(EQUALITY) === '!=';
    if (type === 'dev') return { type, negate, device: value('a device name or index').text };
    if (type === 'cgroup') return { type, negate, path: value('a cgroup v2 path').text };
    const token = value('a mark such as `0x10` or `0x10/0xff`');
    const [markText = '', maskText] = token.text.split('/');
    const mark = parseCInteger(markText);
    const mask = maskText === undefined ? 0xffffffff : parseCInteger(maskText);
    if (mark === undefined || mask === undefined || mark > 0xffffffff || mask > 0xffffffff)
      fail(token, 'a mark such as `0x10` or `0x10/0xff` (32-bit numbers)');
    return { type, negate, mark, mask };
  }

  function parseOwner(type: OwnerNode['type']): OwnerNode {
    if (type === 'pid') {
      const op = optionalOp(ALL_OPS);
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
