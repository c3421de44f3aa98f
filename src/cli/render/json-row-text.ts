import type { RowDetails } from '../../inventory/linux/detail-columns.js';
import type { ColumnsListing } from '../../inventory/linux/read-columns.js';
import type { Owner, SocketTimer } from '../../model/index.js';
import { rowCursor } from './columns.js';

type Listed = Extract<ColumnsListing, { columns: unknown }>;

/**
 * The text of a process's owner up to its `fds`, which is all that differs from row to row of one process;
 * `owner` is the object it was made from, so that an Owner that is not the one cached (a new object with
 * that pid) is made again rather than taken for it.
 */
interface OwnerHead {
  readonly owner: Owner;
  /** `JSON.stringify` of the owner without `fds`, cut before its closing brace. */
  readonly head: string;
}

/**
 * Makes the text of a listing's rows (read with sock_diag's details) as `JSON.stringify` makes it of the
 * Socket that listSockets returns for the row: `pretty`, `JSON.stringify(socket, null, 2)` nested `depth`
 * levels deep (as in a document's `sockets` array), else `JSON.stringify(socket)` (an NDJSON line). The same
 * bytes, keys in the Socket's order (parseInetDiag's: a row's attributes in the kernel's order, which
 * DetailColumns checks), but written piece by piece: each constant key and each string once, and each
 * process's owner text (all but its `fds`) once for every row it owns. Undefined when the columns lack the
 * details. Values come from rowCursor (columns.ts) and DetailColumns, as for the table.
 */
export function jsonRowText(listed: Listed, pretty: boolean, depth: number): ((row: number) => string) | undefined {
  const { details, strings, localAddress, peerAddress } = listed.columns;
  if (details === undefined) return undefined;
  const { socket, load } = rowCursor(listed);
  const extra = { timer: undefined, ifindex: undefined, cookie: '' } as RowDetails;
  const timer: { -readonly [K in keyof SocketTimer]: SocketTimer[K] } = { kind: 'on', expiresMs: 0, retransmits: 0 };
  /** A new line and the indentation of `level` (pretty), or nothing. */
  const at = (level: number) => (pretty ? `\n${'  '.repeat(depth + level)}` : '');
  /** A key of an object whose keys are at `level`, after the `{` or `,` before it. */
  const key = (name: string, level: number) => `${at(level)}"${name}":${pretty ? ' ' : ''}`;
  const k = (name: string, level = 1) => `,${key(name, level)}`;
  const [K_PROTOCOL, K_FAMILY, K_STATE] = [`{${key('protocol', 1)}`, k('family'), k('state')];
  const [K_LOCAL, K_PEER, K_RECVQ, K_SENDQ] = [k('local'), k('peer'), k('recvQ'), k('sendQ')];
  const [K_INODE, K_UID, K_NETNS, K_OWNERS] = [k('inode'), k('uid'), k('netns'), k('owners')];
  const [K_OWNER_STATUS, K_TIMER, K_IFINDEX, K_COOKIE] = [k('ownerStatus'), k('timer'), k('ifindex'), k('cookie')];
  const [K_SHUTDOWN, K_V6ONLY, K_MARK, K_CGROUP] = [k('shutdown'), k('v6only'), k('mark'), k('cgroupId')];
  // An endpoint and the timer: objects whose keys are at level 2, closed at level 1.
  const [K_ADDRESS, K_PORT, END_OBJECT] = [`{${key('address', 2)}`, k('port', 2), `${at(1)}}`];
  const [K_KIND, K_EXPIRES, K_RETRANSMITS] = [`{${key('kind', 2)}`, k('expiresMs', 2), k('retransmits', 2)];
  // The owners: an array at level 1 of objects at level 2, each ending with its fds (an array at level 3).
  const [OWNER_AT, END_OWNERS, K_FDS, FD_AT] = [at(2), `${at(1)}]`, k('fds', 3), at(4)];
  const [END_FDS, END_OWNER, END_ROW] = [`${at(3)}]`, `${at(2)}}`, `${at(0)}}`];

  /** JSON text of the few strings that recur (protocols, families, states, statuses, timer kinds). */
  const quoted = new Map<string, string>();
  const quote = (text: string) => {
    let q = quoted.get(text);
    if (q === undefined) quoted.set(text, (q = JSON.stringify(text)));
    return q;
  };
  /** JSON text of each address of the string table, made when first printed (filled up front: an array set out of order could turn into a dictionary). */
  const addresses = new Array<string | undefined>(strings.length).fill(undefined);
  const address = (index: number) => (addresses[index] ??= JSON.stringify(strings[index] ?? ''));
  const endpoint = (index: number, port: number) =>
    `${K_ADDRESS}${address(index)}${K_PORT}${String(port)}${END_OBJECT}`;

  // The owners are OwnerJoin's Holders (see ColumnOwners.load): the process's facts, then `fds`, its last key,
  // one object for every row of its pid, only `fds` set per row.
  const heads = new Map<number, OwnerHead>();
  const headOf = (owner: Owner): string => {
    const cached = heads.get(owner.pid);
    if (cached?.owner === owner) return cached.head;
    const text = nestedJson({ ...owner, fds: undefined }, pretty, depth + 2);
    const head = text.slice(0, text.length - END_OWNER.length);
    heads.set(owner.pid, { owner, head });
    return head;
  };
  const ownerText = (owner: Owner): string => {
    const fds = owner.fds ?? [];
    let text = fds.length === 0 ? '[' : `[${FD_AT}${String(fds[0])}`;
    for (let f = 1; f < fds.length; f++) text += `,${FD_AT}${String(fds[f])}`;
    return `${headOf(owner)}${K_FDS}${text}${fds.length === 0 ? ']' : END_FDS}${END_OWNER}`;
  };

  return (row: number) => {
    load(row);
    details.load(row, extra, timer);
    const s = socket;
    let text = `${K_PROTOCOL}${quote(s.protocol)}${K_FAMILY}${quote(s.family)}`;
    if (s.state !== undefined) text += `${K_STATE}${quote(s.state)}`;
    text += `${K_LOCAL}${endpoint(localAddress[row] ?? 0, s.local.port)}`;
    text += `${K_PEER}${endpoint(peerAddress[row] ?? 0, s.peer.port)}`;
    text += `${K_RECVQ}${String(s.recvQ)}${K_SENDQ}${String(s.sendQ)}${K_INODE}${String(s.inode)}`;
    text += `${K_UID}${String(s.uid)}${K_NETNS}${String(s.netns)}${K_OWNERS}`;
    const owners = s.owners;
    if (owners.length === 0) text += '[]';
    else {
      text += `[${OWNER_AT}${ownerText(owners[0] as Owner)}`;
      for (let o = 1; o < owners.length; o++) text += `,${OWNER_AT}${ownerText(owners[o] as Owner)}`;
      text += END_OWNERS;
    }
    text += `${K_OWNER_STATUS}${quote(s.ownerStatus)}`;
    const t = extra.timer;
    if (t !== undefined) {
      text += `${K_TIMER}${K_KIND}${quote(t.kind)}${K_EXPIRES}${String(t.expiresMs)}`;
      text += `${K_RETRANSMITS}${String(t.retransmits)}${END_OBJECT}`;
    }
    if (extra.ifindex !== undefined) text += `${K_IFINDEX}${String(extra.ifindex)}`;
    text += `${K_COOKIE}"${extra.cookie}"`;
    if (extra.shutdown !== undefined) text += `${K_SHUTDOWN}${String(extra.shutdown)}`;
    if (s.v6only !== undefined) text += `${K_V6ONLY}${String(s.v6only)}`;
    if (extra.mark !== undefined) text += `${K_MARK}${String(extra.mark)}`;
    if (extra.cgroupId !== undefined) text += `${K_CGROUP}${String(extra.cgroupId)}`;
    return text + END_ROW;
  };
}

/** `JSON.stringify(value)`, or with `pretty` `JSON.stringify(value, null, 2)` nested `depth` levels deep. */
function nestedJson(value: unknown, pretty: boolean, depth: number): string {
  if (!pretty) return JSON.stringify(value);
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`);
}
