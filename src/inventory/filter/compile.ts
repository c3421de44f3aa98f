import ipaddr from 'ipaddr.js';
import { PortscopeError } from '../../errors.js';
import type { Endpoint, Owner, Socket, SocketState } from '../../model/index.js';
import type { CompareOp, FilterNode, HostNode, OwnerNode } from './ast.js';
import { ALL_STATES } from './states.js';

/** A compiled filter: true when the socket matches. */
export type SocketPredicate = (socket: Socket) => boolean;

/** What evaluation needs from the machine: user names and /run/netns names. */
export interface FilterContext {
  /** uid -> user name (from /etc/passwd). */
  readonly users: ReadonlyMap<number, string>;
  /** Namespace name (as in /run/netns) -> netns inode. */
  readonly netnsNames: ReadonlyMap<string, number>;
}

function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${body}$`);
}

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

function addressMatcher(node: HostNode): (endpoint: Endpoint, isUnix: boolean) => boolean {
  if (node.address.startsWith('/') || node.address.startsWith('@')) {
    const pattern = globToRegExp(node.address);
    return (e, isUnix) => isUnix && pattern.test(e.address);
  }
  if (node.address === '*') return (_e, isUnix) => !isUnix;
  const ranges: [Parsed, number][] =
    node.address === 'localhost'
      ? [
          [ipaddr.parse('127.0.0.0'), 8],
          [ipaddr.parse('::1'), 128],
        ]
      : [[ipaddr.process(node.address), node.prefixLength ?? (ipaddr.IPv4.isValid(node.address) ? 32 : 128)]];
  const cache = new Map<string, boolean>();
  return (e, isUnix) => {
    if (isUnix) return false;
    let hit = cache.get(e.address);
    if (hit === undefined) {
      const parsed = ipaddr.isValid(e.address) ? ipaddr.process(e.address) : undefined;
      hit =
        parsed !== undefined &&
        ranges.some(([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits));
      cache.set(e.address, hit);
    }
    return hit;
  };
}

/** Predicates answered by looking at each owner (`user` and `netns` also look at the socket). */
type PerOwnerNode = Exclude<OwnerNode, { type: 'user' | 'netns' }>;

function ownerMatcher(node: PerOwnerNode): (owner: Owner) => boolean {
  switch (node.type) {
    case 'pid':
      return (o) => compare(node.op, o.pid, node.value);
    case 'process': {
      if (node.regex) {
        const re = new RegExp(node.pattern);
        return (o) => re.test(o.command) || (o.cmdline !== undefined && re.test(o.cmdline.join(' ')));
      }
      const base = (path: string | undefined) => path?.slice(path.lastIndexOf('/') + 1);
      return (o) => o.command === node.pattern || base(o.exe) === node.pattern || base(o.cmdline?.[0]) === node.pattern;
    }
    case 'unit': {
      const pattern = globToRegExp(node.value.includes('.') ? node.value : `${node.value}.service`);
      return (o) => o.systemdUnit !== undefined && pattern.test(o.systemdUnit);
    }
    case 'container':
      return (o) =>
        o.container !== undefined && (o.container.id.startsWith(node.value) || o.container.name === node.value);
  }
}

function netnsInode(value: string, context: FilterContext): number {
  if (/^\d+$/.test(value)) return Number(value);
  const inode = context.netnsNames.get(value);
  if (inode === undefined)
    throw new PortscopeError('NOT_FOUND', `No network namespace named \`${value}\` in /run/netns`);
  return inode;
}

function compileNode(node: FilterNode, context: FilterContext): SocketPredicate {
  switch (node.type) {
    case 'all':
      return () => true;
    case 'and': {
      const [l, r] = [compileNode(node.left, context), compileNode(node.right, context)];
      return (s) => l(s) && r(s);
    }
    case 'or': {
      const [l, r] = [compileNode(node.left, context), compileNode(node.right, context)];
      return (s) => l(s) || r(s);
    }
    case 'not': {
      const inner = compileNode(node.operand, context);
      return (s) => !inner(s);
    }
    case 'state': {
      const states = new Set<SocketState>(node.states);
      return (s) => states.has(s.state);
    }
    case 'port':
      return (s) =>
        s.family !== 'unix' &&
        (node.family === undefined || node.family === s.family) &&
        compare(node.op, node.side === 'local' ? s.local.port : s.peer.port, node.port);
    case 'host': {
      const matches = addressMatcher(node);
      return (s) => {
        const end = node.side === 'local' ? s.local : s.peer;
        const hit = matches(end, s.family === 'unix') && (node.port === undefined || end.port === node.port);
        return hit !== node.negate;
      };
    }
    case 'netns': {
      const inode = netnsInode(node.value, context);
      return (s) => (s.netns === inode) !== node.negate;
    }
    case 'user': {
      const uids = new Set([...context.users].filter(([, name]) => name === node.value).map(([uid]) => uid));
      if (/^\d+$/.test(node.value)) uids.add(Number(node.value));
      const ownerHit = (o: Owner) => uids.has(o.uid) || o.user === node.value;
      return (s) => (uids.has(s.uid) || s.owners.some(ownerHit)) !== node.negate;
    }
    default: {
      const ownerHit = ownerMatcher(node);
      const negate = 'negate' in node && node.negate;
      return (s) => s.owners.some(ownerHit) !== negate;
    }
  }
}

/**
 * Compiles a filter AST into a predicate over sockets. Owner predicates (`pid`, `user`, `process`,
 * `unit`, `container`) look at `socket.owners`, so owners must be filled before evaluation.
 * IPv4 conditions also match IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`).
 * @throws PortscopeError `NOT_FOUND` for a `netns = NAME` that /run/netns does not have.
 */
export function compileFilter(node: FilterNode, context: FilterContext): SocketPredicate {
  return compileNode(node, context);
}

/** The states a socket can be in and still match (conservative: `not` and owner predicates allow all). */
export function possibleStates(node: FilterNode): ReadonlySet<SocketState> {
  switch (node.type) {
    case 'state':
      return new Set(node.states);
    case 'and': {
      const right = possibleStates(node.right);
      return new Set([...possibleStates(node.left)].filter((s) => right.has(s)));
    }
    case 'or':
      return new Set([...possibleStates(node.left), ...possibleStates(node.right)]);
    default:
      return new Set(ALL_STATES);
  }
}

/** True when the filter says anything about states, anywhere (then ls leaves out ss's default states). */
export function mentionsState(node: FilterNode): boolean {
  switch (node.type) {
    case 'state':
      return true;
    case 'and':
    case 'or':
      return mentionsState(node.left) || mentionsState(node.right);
    case 'not':
      return mentionsState(node.operand);
    default:
      return false;
  }
}

/** True when matching needs the owning processes (pid, user, process, unit, container predicates). */
export function needsOwners(node: FilterNode): boolean {
  switch (node.type) {
    case 'and':
    case 'or':
      return needsOwners(node.left) || needsOwners(node.right);
    case 'not':
      return needsOwners(node.operand);
    case 'pid':
    case 'user':
    case 'process':
    case 'unit':
    case 'container':
      return true;
    default:
      return false;
  }
}

/**
 * The local port every matching socket must have (`sport = :N`, or `src *:N`), or undefined when
 * the filter allows several. Lets the Linux reader ask the kernel for that port only.
 */
export function exactLocalPort(node: FilterNode): number | undefined {
  switch (node.type) {
    case 'port':
      return node.side === 'local' && node.op === '=' ? node.port : undefined;
    case 'host':
      return node.side === 'local' && !node.negate ? node.port : undefined;
    case 'and':
      return exactLocalPort(node.left) ?? exactLocalPort(node.right);
    case 'or': {
      const left = exactLocalPort(node.left);
      return left !== undefined && left === exactLocalPort(node.right) ? left : undefined;
    }
    default:
      return undefined;
  }
}
