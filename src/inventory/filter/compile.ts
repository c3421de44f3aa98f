import { PortscopeError } from '../../errors.js';
import type { Owner, Socket, SocketState } from '../../model/index.js';
import type { CompareOp, FilterNode, KernelNode, OwnerNode } from './ast.js';
import { fnmatchRegExp } from './glob.js';
import { parseCInteger } from './host-syntax.js';
import { hostMatcher, portOf } from './match-host.js';

/** A compiled filter: true when the socket matches. */
export type SocketPredicate = (socket: Socket) => boolean;

/**
 * What evaluation needs from the machine. `users` and `netnsNames` are always given; the resolvers are
 * asked only when the filter needs them (the Linux collector gives them all).
 */
export interface FilterContext {
  /** uid -> user name (from /etc/passwd). */
  readonly users: ReadonlyMap<number, string>;
  /** Namespace name (as in /run/netns) -> netns inode. */
  readonly netnsNames: ReadonlyMap<string, number>;
  /** Host name -> its addresses (from /etc/hosts), for `src NAME` / `dst NAME`. */
  readonly hostAddresses?: (name: string) => readonly string[];
  /** Interface name -> ifindex (undefined when unknown), for `dev NAME`. */
  readonly interfaceIndex?: (name: string) => number | undefined;
  /** cgroup v2 path -> cgroup id (undefined when no such cgroup), for `cgroup PATH`. */
  readonly cgroupId?: (path: string) => number | undefined;
  /** The ephemeral port range `[low, high]` (net.ipv4.ip_local_port_range), for `autobound`. @default [32768, 60999] */
  readonly ephemeralPorts?: readonly [number, number];
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
      const pattern = fnmatchRegExp(node.value.includes('.') ? node.value : `${node.value}.service`, false);
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

function invalid(expected: string, got: string): never {
  throw new PortscopeError('INVALID_FILTER', `Expected ${expected}, got \`${got}\``);
}

/** `dev`, `fwmark`, `cgroup`, `autobound`: a socket without the kernel field does not match. */
function kernelMatcher(node: KernelNode, context: FilterContext): SocketPredicate {
  switch (node.type) {
    case 'dev': {
      // As ss: a name first, then a number.
      const index = context.interfaceIndex?.(node.device) ?? parseCInteger(node.device);
      if (index === undefined) invalid('a network interface name or index', node.device);
      return (s) => s.ifindex !== undefined && s.ifindex === index;
    }
    case 'fwmark':
      return (s) => s.mark !== undefined && (s.mark & node.mask) >>> 0 === node.mark;
    case 'cgroup': {
      const id = context.cgroupId?.(node.path);
      if (id === undefined) invalid('a cgroup v2 path (relative to /sys/fs/cgroup)', node.path);
      return (s) => s.cgroupId !== undefined && s.cgroupId === id;
    }
    case 'autobound': {
      const [low, high] = context.ephemeralPorts ?? [32768, 60999];
      // ss's user-space rule; the kernel's (no SOCK_BINDPORT_LOCK) is not in sock_diag's answer.
      return (s) =>
        s.family === 'unix'
          ? s.local.address === '' || /^@[0-9a-f]{5}$/.test(s.local.address)
          : s.local.port >= low && s.local.port <= high;
    }
  }
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
      return (s) => s.state !== undefined && states.has(s.state);
    }
    case 'family': {
      const families = new Set(node.families);
      return (s) => families.has(s.family);
    }
    case 'port':
      return (s) =>
        (node.family === undefined || node.family === s.family) && compare(node.op, portOf(s, node.side), node.port);
    case 'host': {
      const matches = hostMatcher(node, context.hostAddresses);
      return (s) => matches(s) !== node.negate;
    }
    case 'dev':
    case 'fwmark':
    case 'cgroup':
    case 'autobound': {
      const matches = kernelMatcher(node, context);
      const negate = 'negate' in node && node.negate;
      return (s) => matches(s) !== negate;
    }
    case 'netns': {
      const inode = netnsInode(node.value, context);
      return (s) => (s.netns === inode) !== node.negate;
    }
    case 'user': {
      const uids = new Set([...context.users].filter(([, name]) => name === node.value).map(([uid]) => uid));
      if (/^\d+$/.test(node.value)) uids.add(Number(node.value));
      const has = (uid: number | undefined) => uid !== undefined && uids.has(uid);
      const ownerHit = (o: Owner) => has(o.uid) || o.user === node.value;
      return (s) => (has(s.uid) || s.owners.some(ownerHit)) !== node.negate;
    }
    default: {
      const ownerHit = ownerMatcher(node);
      const negate = 'negate' in node && node.negate;
      return (s) => s.owners.some(ownerHit) !== negate;
    }
  }
}

/**
 * Compiles a filter AST into a predicate over sockets, with ss's meaning (docs/filter.md). Owner predicates
 * (`pid`, `user`, `process`, `unit`, `container`) look at `socket.owners`, so owners must be filled before
 * evaluation. Host names, `dev` names and `cgroup` paths are resolved here, through `context`.
 * @throws PortscopeError `NOT_FOUND` for a `netns = NAME` that /run/netns does not have; `INVALID_FILTER`
 *   for a host name, device or cgroup that cannot be resolved; `INVALID_ARGUMENT` when a host name needs
 *   `context.hostAddresses` and it is not given.
 */
export function compileFilter(node: FilterNode, context: FilterContext): SocketPredicate {
  return compileNode(node, context);
}
