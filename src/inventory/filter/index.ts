export type { CompareOp, FilterNode, HostNode, OwnerNode, PortNode, StateNode } from './ast.js';
export { compileFilter, exactLocalPort, mentionsState, needsOwners, possibleStates } from './compile.js';
export type { FilterContext, SocketPredicate } from './compile.js';
export { parseFilter } from './parser.js';
export { STATE_NAMES, statesNamed } from './states.js';
