import type { SocketState } from '../../model/index.js';
import type { FilterNode } from './ast.js';
import { ALL_STATES } from './states.js';

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

/** Above this many ports the kernel gets no port filter (its bytecode length is a 16-bit field). */
const MAX_LOCAL_PORTS = 256;

/**
 * The local ports every matching socket must have one of (`sport = :N`, `src *:N`, or an `or` of
 * those), sorted and unique, or undefined when the filter allows any port. Lets the Linux reader
 * ask the kernel for those ports only.
 */
export function exactLocalPorts(node: FilterNode): readonly number[] | undefined {
  const ports = localPortSet(node);
  return ports === undefined || ports.size > MAX_LOCAL_PORTS ? undefined : [...ports].sort((a, b) => a - b);
}

/**
 * The one local port every matching socket must have (`sport = :N`, `who`'s filter), or undefined when the
 * filter tests no port; null when it tests ports but allows more than one, or any. A reader that asks the
 * kernel for that port only can judge the rest of the filter on each socket as bound to it.
 */
export function oneLocalPort(node: FilterNode): number | undefined | null {
  const ports = exactLocalPorts(node);
  if (ports === undefined) return testsPort(node) ? null : undefined;
  return ports.length === 1 ? (ports[0] ?? null) : null;
}

function testsPort(node: FilterNode): boolean {
  if (node.type === 'port') return true;
  if (node.type === 'and' || node.type === 'or') return testsPort(node.left) || testsPort(node.right);
  return node.type === 'not' && testsPort(node.operand);
}

function localPortSet(node: FilterNode): Set<number> | undefined {
  switch (node.type) {
    case 'port':
      return node.side === 'local' && node.op === '=' ? new Set([node.port]) : undefined;
    case 'host':
      return node.side === 'local' && !node.negate && node.port !== undefined ? new Set([node.port]) : undefined;
    case 'and': {
      const left = localPortSet(node.left);
      const right = localPortSet(node.right);
      // Either side is a superset of the matches; the compiled filter does the rest.
      if (left === undefined || right === undefined) return left ?? right;
      return left.size <= right.size ? left : right;
    }
    case 'or': {
      const left = localPortSet(node.left);
      const right = localPortSet(node.right);
      return left === undefined || right === undefined ? undefined : new Set([...left, ...right]);
    }
    default:
      return undefined;
  }
}
