import type { SocketTimer } from '../../model/index.js';
import { HOST_LE } from './diag-request.js';

const INET_DIAG_MSG = 72;
/** INET_DIAG_* attribute types parseInetDiag keeps, by the rank of their key in its Socket (see {@link RANKS}). */
const SHUTDOWN = 8;
const V6ONLY = 11;
const MARK = 15;
const CGROUP_ID = 21;
/**
 * Where parseInetDiag puts each attribute's key: in the order the attributes come. The kernel sends them as
 * inet_diag_msg_attrs_fill writes them (shutdown, v6only, mark, cgroup id), the order the JSON rows assume.
 */
const RANKS = new Map([
  [SHUTDOWN, 1],
  [V6ONLY, 2],
  [MARK, 3],
  [CGROUP_ID, 4],
]);
/** Attributes parseInetDiag keeps that only a sock_diag extension brings (INFO, CONG, TOS, TCLASS, SKMEMINFO, BBR, CLASS_ID). */
const EXTENSIONS = new Set([2, 4, 5, 6, 7, 16, 17]);
const TIMER_KINDS = [undefined, 'on', 'keepalive', 'timewait', 'persist'] as const;
const HAS_SHUTDOWN = 1;
const HAS_MARK = 2;
const HAS_CGROUP = 4;

/**
 * sock_diag's fields of each row beyond ss's plain columns, as parseInetDiag reads them into a Socket (listSockets
 * with `details`): the timer, the bound interface, the cookie, and the unasked attributes shutdown, fwmark and
 * cgroup id (v6only is in SocketColumns). Rows as in {@link SocketColumns}.
 */
export class DetailColumns {
  /** Index into `on, keepalive, timewait, persist` plus one; 0 = no timer (as `Socket.timer` absent). */
  timerKind = new Uint8Array(0);
  timerExpiresMs = new Uint32Array(0);
  timerRetransmits = new Uint8Array(0);
  ifindex = new Uint32Array(0);
  cookieLow = new Uint32Array(0);
  cookieHigh = new Uint32Array(0);
  shutdown = new Uint8Array(0);
  mark = new Uint32Array(0);
  cgroupId = new Float64Array(0);
  /** Which of shutdown (1), mark (2), cgroup id (4) the row's message carried. */
  present = new Uint8Array(0);
  /**
   * Why these rows cannot give the Socket's keys in parseInetDiag's order: an attribute out of the kernel's
   * usual order, twice, or from an extension. Undefined when they can (always, with the kernels known).
   */
  irregular: string | undefined;

  /** Grows every array to `size` rows, keeping the rows held. */
  grow(size: number): void {
    const grown = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.timerKind = grown(this.timerKind, (n) => new Uint8Array(n));
    this.timerExpiresMs = grown(this.timerExpiresMs, (n) => new Uint32Array(n));
    this.timerRetransmits = grown(this.timerRetransmits, (n) => new Uint8Array(n));
    this.ifindex = grown(this.ifindex, (n) => new Uint32Array(n));
    this.cookieLow = grown(this.cookieLow, (n) => new Uint32Array(n));
    this.cookieHigh = grown(this.cookieHigh, (n) => new Uint32Array(n));
    this.shutdown = grown(this.shutdown, (n) => new Uint8Array(n));
    this.mark = grown(this.mark, (n) => new Uint32Array(n));
    this.cgroupId = grown(this.cgroupId, (n) => new Float64Array(n));
    this.present = grown(this.present, (n) => new Uint8Array(n));
  }

  /**
   * Sets `row` from the inet_diag message at `buf[p, end)` (its struct inet_diag_msg, then attributes), as
   * parseInetDiag reads it; `tcp`: a timer is read for TCP only. Pure: no I/O.
   */
  set(row: number, buf: Uint8Array, view: DataView, p: number, end: number, tcp: boolean): void {
    const kind = tcp ? (buf[p + 2] ?? 0) : 0;
    this.timerKind[row] = kind < TIMER_KINDS.length ? kind : 0;
    this.timerExpiresMs[row] = view.getUint32(p + 52, HOST_LE);
    this.timerRetransmits[row] = buf[p + 3] ?? 0;
    this.ifindex[row] = view.getUint32(p + 40, HOST_LE);
    this.cookieLow[row] = view.getUint32(p + 44, HOST_LE);
    this.cookieHigh[row] = view.getUint32(p + 48, HOST_LE);
    let present = 0;
    let rank = 0;
    for (let a = p + INET_DIAG_MSG; a + 4 <= end;) {
      const n = view.getUint16(a, HOST_LE);
      if (n < 4 || a + n > end) break;
      const type = view.getUint16(a + 2, HOST_LE) & 0x3fff;
      const size = n - 4;
      const next = size < 1 ? undefined : RANKS.get(type);
      // parseInetDiag keeps v6only of IPv6 sockets only: the caller's v6only column says whether there was one.
      if (next !== undefined && (type !== MARK || size >= 4) && (type !== CGROUP_ID || size >= 8)) {
        if (next <= rank) this.irregular = `sock_diag attribute ${String(type)} out of the usual order`;
        rank = next;
        if (type === SHUTDOWN) {
          present |= HAS_SHUTDOWN;
          this.shutdown[row] = buf[a + 4] ?? 0;
        } else if (type === MARK) {
          present |= HAS_MARK;
          this.mark[row] = view.getUint32(a + 4, HOST_LE);
        } else if (type === CGROUP_ID) {
          present |= HAS_CGROUP;
          this.cgroupId[row] = Number(view.getBigUint64(a + 4, HOST_LE));
        }
      } else if (size >= 1 && EXTENSIONS.has(type)) this.irregular = `sock_diag attribute ${String(type)}`;
      a += (n + 3) & ~3;
    }
    this.present[row] = present;
  }

  /**
   * Loads `row` into `into` (reused from row to row): its `timer` is `timer` (reused too) or undefined, the
   * keys a message did not carry undefined, as absent from parseInetDiag's Socket.
   */
  load(row: number, into: RowDetails, timer: { -readonly [K in keyof SocketTimer]: SocketTimer[K] }): void {
    const kind = TIMER_KINDS[this.timerKind[row] ?? 0];
    if (kind === undefined) into.timer = undefined;
    else {
      timer.kind = kind;
      timer.expiresMs = this.timerExpiresMs[row] ?? 0;
      timer.retransmits = this.timerRetransmits[row] ?? 0;
      into.timer = timer;
    }
    const ifindex = this.ifindex[row] ?? 0;
    into.ifindex = ifindex === 0 ? undefined : ifindex;
    const low = this.cookieLow[row] ?? 0;
    const high = this.cookieHigh[row] ?? 0;
    into.cookie = high === 0 ? low.toString(16) : `${high.toString(16)}${low.toString(16).padStart(8, '0')}`;
    const present = this.present[row] ?? 0;
    into.shutdown = (present & HAS_SHUTDOWN) === 0 ? undefined : this.shutdown[row];
    into.mark = (present & HAS_MARK) === 0 ? undefined : this.mark[row];
    into.cgroupId = (present & HAS_CGROUP) === 0 ? undefined : this.cgroupId[row];
  }
}

/** One row's details, as {@link DetailColumns.load} sets them: a Socket's keys, undefined where absent. */
export interface RowDetails {
  timer: SocketTimer | undefined;
  ifindex: number | undefined;
  cookie: string;
  shutdown: number | undefined;
  mark: number | undefined;
  cgroupId: number | undefined;
}
