import type { Family, SocketState } from '../../model/index.js';

/** Comparison operators of port and pid predicates (ss's `= != < <= > >=`, words `eq ne lt le gt ge geq leq`). */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * A port condition on the local (`sport`) or peer (`dport`) end, optionally for one family.
 * On a unix socket, as in ss, the local "port" is the socket's inode and the peer's is the peer's inode.
 */
export interface PortNode {
  readonly type: 'port';
  readonly side: 'local' | 'peer';
  readonly op: CompareOp;
  readonly port: number;
  readonly family?: Exclude<Family, 'unix'>;
}

/**
 * An address condition on the local (`src`) or peer (`dst`) end. `address` is an IP (`10.0.0.0` with
 * `prefixLength` 8), `*` or `''` for any address, a host name (resolved from /etc/hosts when compiled),
 * or, when `unix` is true (or the address starts with `/` or `@`), a unix name glob (fnmatch, any case).
 * `port` when given (`:22`; on unix sockets the inode, as in ss). `negate` for `!=`.
 */
export interface HostNode {
  readonly type: 'host';
  readonly side: 'local' | 'peer';
  readonly address: string;
  readonly prefixLength?: number;
  readonly port?: number;
  readonly negate: boolean;
  readonly unix?: boolean;
}

/** Sockets in one of these states (from `state X` / `exclude X` clauses). */
export interface StateNode {
  readonly type: 'state';
  readonly states: readonly SocketState[];
}

/** Sockets of these families: what ss's `inet:`, `inet6:` and `unix:` prefixes do to the whole query. */
export interface FamilyNode {
  readonly type: 'family';
  readonly families: readonly Family[];
}

/**
 * ss's predicates on kernel facts of the socket (sock_diag): `dev` (the bound interface, `Socket.ifindex`;
 * `device` is a name or an index), `fwmark` (`(Socket.mark & mask) === mark`), `cgroup` (a cgroup v2 path,
 * compared with `Socket.cgroupId`) and `autobound` (the port or unix name was allocated by the kernel).
 * A socket without the field does not match.
 */
export type KernelNode =
  | { readonly type: 'dev'; readonly negate: boolean; readonly device: string }
  | { readonly type: 'fwmark'; readonly negate: boolean; readonly mark: number; readonly mask: number }
  | { readonly type: 'cgroup'; readonly negate: boolean; readonly path: string }
  | { readonly type: 'autobound' };

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
  | FamilyNode
  | KernelNode
  | OwnerNode;
