import type { Family, SocketState } from '../../model/index.js';

/** Comparison operators of port and pid predicates (ss's `= != < <= > >=`, words `eq ne lt le gt ge`). */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A port condition on the local (`sport`) or peer (`dport`) end, optionally for one family. */
export interface PortNode {
  readonly type: 'port';
  readonly side: 'local' | 'peer';
  readonly op: CompareOp;
  readonly port: number;
  readonly family?: Exclude<Family, 'unix'>;
}

/**
 * An address condition on the local (`src`) or peer (`dst`) end: an IP with an optional prefix
 * length (`10.0.0.0/8`), or a unix path glob (`/run/*.sock`, `@name`); `port` when given (`:22`).
 * `address: '*'` matches any address. `negate` for `!=`.
 */
export interface HostNode {
  readonly type: 'host';
  readonly side: 'local' | 'peer';
  readonly address: string;
  readonly prefixLength?: number;
  readonly port?: number;
  readonly negate: boolean;
}

/** Sockets in one of these states (from `state X` / `exclude X` clauses). */
export interface StateNode {
  readonly type: 'state';
  readonly states: readonly SocketState[];
}

/** A predicate on the owning processes or the namespace (portscope's own, beyond ss). */
export type OwnerNode =
  | { readonly type: 'pid'; readonly op: CompareOp; readonly value: number }
  | { readonly type: 'user'; readonly negate: boolean; readonly value: string }
  | { readonly type: 'process'; readonly negate: boolean; readonly pattern: string; readonly regex: boolean }
  | { readonly type: 'unit'; readonly negate: boolean; readonly value: string }
  | { readonly type: 'container'; readonly negate: boolean; readonly value: string }
  | { readonly type: 'netns'; readonly negate: boolean; readonly value: string };

/** A parsed filter expression. `{ type: 'all' }` matches every socket. */
export type FilterNode =
  | { readonly type: 'all' }
  | { readonly type: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly type: 'not'; readonly operand: FilterNode }
  | PortNode
  | HostNode
  | StateNode
  | OwnerNode;
