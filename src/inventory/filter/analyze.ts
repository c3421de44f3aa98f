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
