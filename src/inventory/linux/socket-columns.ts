import { TCP_STATES } from '../../model/socket.js';
import type { Family, SocketState } from '../../model/index.js';
import { DetailColumns } from './detail-columns.js';

/** The protocols a column store holds, by their index in {@link SocketColumns.protocol}. */
export const COLUMN_PROTOCOLS = ['tcp', 'udp', 'udplite'] as const;
/** A protocol a column store holds. */
export type ColumnProtocol = (typeof COLUMN_PROTOCOLS)[number];

/**
 * Sockets of the `Socket` model (docs/schema.md) kept in columns instead of one object each: row i is one
 * socket, each field one typed array, addresses indexes into one string table. The CLI's listing without
 * owners keeps sockets this way (no object per socket to allocate, keep and collect); it holds only the
 * fields of ss's plain columns, from sock_diag inet dumps.
 */
export interface SocketColumns {
  /** Rows in use (the arrays may be longer). */
  readonly length: number;
  /** Index into {@link COLUMN_PROTOCOLS}. */
  readonly protocol: Uint8Array;
  /** 4 = inet, 6 = inet6. */
  readonly family: Uint8Array;
  /** The kernel's state code (TCP_STATES index + 1); see {@link columnState}. */
  readonly state: Uint8Array;
  /** Index into `strings` of the local / peer address text (as `Endpoint.address`). */
  readonly localAddress: Uint32Array;
  readonly peerAddress: Uint32Array;
  readonly localPort: Uint16Array;
  readonly peerPort: Uint16Array;
  /** Bytes (LISTEN: accept queue and backlog), as `Socket.recvQ` / `sendQ`. */
  readonly recvQ: Uint32Array;
  readonly sendQ: Uint32Array;
  readonly uid: Uint32Array;
  readonly inode: Uint32Array;
  /** Inode of the socket's network namespace. */
  readonly netns: Uint32Array;
  /** `Socket.v6only`: 1 true, 0 false, -1 not reported (IPv4). */
  readonly v6only: Int8Array;
  /** The string table: each distinct address once. */
  readonly strings: readonly string[];
  /** sock_diag's details of each row (timer, cookie...), when read with them (ListSocketsOptions `details`). */
  readonly details?: DetailColumns;
}

/** `Socket.family` of a row's family column. */
export function columnFamily(family: number): Family {
  return family === 6 ? 'inet6' : 'inet';
}

/** `Socket.state` of a row, as parseInetDiag names it: UDP's (and UDP-Lite's) TCP_CLOSE is UNCONN; undefined for an unknown code. */
export function columnState(protocol: number, code: number): SocketState | undefined {
  return protocol !== 0 && code === 7 ? 'UNCONN' : TCP_STATES[code - 1];
}

const INITIAL_ROWS = 1024;

/** Builds {@link SocketColumns} row by row, growing its arrays by doubling, interning address texts. */
export class ColumnsBuilder implements SocketColumns {
  length = 0;
  protocol = new Uint8Array(INITIAL_ROWS);
  family = new Uint8Array(INITIAL_ROWS);
  state = new Uint8Array(INITIAL_ROWS);
  localAddress = new Uint32Array(INITIAL_ROWS);
  peerAddress = new Uint32Array(INITIAL_ROWS);
  localPort = new Uint16Array(INITIAL_ROWS);
  peerPort = new Uint16Array(INITIAL_ROWS);
  recvQ = new Uint32Array(INITIAL_ROWS);
  sendQ = new Uint32Array(INITIAL_ROWS);
  uid = new Uint32Array(INITIAL_ROWS);
  inode = new Uint32Array(INITIAL_ROWS);
  netns = new Uint32Array(INITIAL_ROWS);
  v6only = new Int8Array(INITIAL_ROWS);
  readonly strings: string[] = [];
  readonly details?: DetailColumns;
  private readonly byV4 = new Map<number, number>();
  private readonly byV6 = new Map<string, number>();

  /** `details`: also hold sock_diag's details of each row ({@link DetailColumns}). @default false */
  constructor(details = false) {
    if (details) {
      this.details = new DetailColumns();
      this.details.grow(INITIAL_ROWS);
    }
  }

  /** Makes room for `more` rows beyond `length`. */
  reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.protocol.length) return;
    let size = this.protocol.length;
    while (size < needed) size *= 2;
    const grow = <T extends Uint8Array | Int8Array | Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.protocol = grow(this.protocol, (n) => new Uint8Array(n));
    this.family = grow(this.family, (n) => new Uint8Array(n));
    this.state = grow(this.state, (n) => new Uint8Array(n));
    this.localAddress = grow(this.localAddress, (n) => new Uint32Array(n));
    this.peerAddress = grow(this.peerAddress, (n) => new Uint32Array(n));
    this.localPort = grow(this.localPort, (n) => new Uint16Array(n));
    this.peerPort = grow(this.peerPort, (n) => new Uint16Array(n));
    this.recvQ = grow(this.recvQ, (n) => new Uint32Array(n));
    this.sendQ = grow(this.sendQ, (n) => new Uint32Array(n));
    this.uid = grow(this.uid, (n) => new Uint32Array(n));
    this.inode = grow(this.inode, (n) => new Uint32Array(n));
    this.netns = grow(this.netns, (n) => new Uint32Array(n));
    this.v6only = grow(this.v6only, (n) => new Int8Array(n));
    this.details?.grow(size);
  }

  /** The string-table index of the IPv4 address `word` (network order as a number), made by `text` once. */
  v4(word: number, text: (word: number) => string): number {
    let index = this.byV4.get(word);
    if (index === undefined) {
      index = this.strings.push(text(word)) - 1;
      this.byV4.set(word, index);
    }
    return index;
  }

  /** The string-table index of an IPv6 address by its 16 bytes as a latin1 `key`, made by `text` once. */
  v6(key: string, text: () => string): number {
    let index = this.byV6.get(key);
    if (index === undefined) {
      index = this.strings.push(text()) - 1;
      this.byV6.set(key, index);
    }
    return index;
  }
}
