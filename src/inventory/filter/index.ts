export type { CompareOp, FamilyNode, FilterNode, HostNode, KernelNode, OwnerNode, PortNode, StateNode } from './ast.js';
export { exactLocalPorts, mentionsState, needsOwners, possibleStates } from './analyze.js';
export { compileFilter } from './compile.js';
export type { FilterContext, SocketPredicate } from './compile.js';
export { parseFilter } from './parser.js';
export { STATE_NAMES, statesNamed } from './states.js';
