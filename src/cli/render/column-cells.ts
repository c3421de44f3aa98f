import type { ColumnOwners } from '../../inventory/linux/owner-columns.js';
import type { Holder } from '../../inventory/linux/owners.js';
import { COLUMN_PROTOCOLS, columnState, type SocketColumns } from '../../inventory/linux/socket-columns.js';
import type { Socket } from '../../model/index.js';
import { portLabel, printable, stateLabel, type EndpointStyle } from './format.js';
import { keyOf, type KeySpec, type Pieces } from './pieces.js';

/**
 * One cell of a table or CSV row read straight from the columns, with no cursor load: the text the field's
 * function (socket-columns.ts) gives for that row, in two pieces each made once for all rows (an address's
 * `host:` and a port's label; a process's `users:(("nginx",pid=1,fd=` and `5))`), so that a row written as
 * bytes needs no string of its own.
 */
export interface ColumnCell {
  /** The text's first piece, or undefined for a row the cell does not handle (the field's function makes it). */
  head(row: number): string | undefined;
  /** The rest of the text ('' for most fields) of the row that {@link head} was last called for. */
  tail(row: number): string;
  /** The text's length, without making it when it can (the table's measuring pass); undefined as head. */
  width(row: number): number | undefined;
  /**
   * With the cell made for a {@link Pieces} (the addon's table writer): for i below `count`, heads[i] = the
   * number in it of head(row)'s text and tails[i] of tail(row)'s (when `tails` is given), row being order[i]
   * (i without `order`); {@link UNHANDLED} in heads[i] for a row the cell does not handle. Returns whether
   * it left any row. A loop of its own per cell: one call per row and cell costs more than the texts.
   */
  fillIds?(count: number, order: Uint32Array | undefined, heads: Uint32Array, tails: Uint32Array | null): boolean;
  /** Whether {@link fillIds} gives tails (the cell has a second piece). */
  readonly tails?: boolean;
  /** The piece after each of the cell's number pieces (NUMBER_PIECE, when Pieces.numberPieces): default 0, none. */
  readonly suffix?: number;
}

/** ColumnCell.fillIds's number of a row it leaves to the field's function. */
export const UNHANDLED = 0xffffffff;

/**
 * heads[i] = the number `idOf` gives the sole holder of row i of `rows` (ColumnOwners.soles), asked once per run
 * of rows of one pid; {@link UNHANDLED} for a row of no sole holder, or of one gone since the walk. Returns the
 * rows' fds, and whether a row was left.
 */
export function fillBySole(
  rows: ReturnType<NonNullable<ColumnOwners['soles']>>,
  count: number,
  heads: Uint32Array,
  idOf: (holder: Omit<Holder, 'fds'>, pid: number, fd: number) => number,
): { fds: Uint32Array; left: boolean } {
  const { pids, fds, holder } = rows;
  let lastPid = -1;
  let lastId = UNHANDLED;
  let left = false;
  for (let i = 0; i < count; i++) {
    const pid = pids[i] ?? -1;
    if (pid !== lastPid) {
      lastPid = pid;
      const found = pid < 0 ? undefined : holder(pid);
      lastId = found === undefined ? UNHANDLED : idOf(found, pid, fds[i] ?? 0);
    }
    heads[i] = lastId;
    if (lastId === UNHANDLED) left = true;
  }
  return { fds, left };
}

/** Texts by a number below `size`, each made once ('' until then): an array of fast elements, not a sparse one. */
const textsBy = (size: number): string[] => new Array<string>(size).fill('');

/**
 * A cell whose text depends on a number of the row, its key (keyOf: a protocol, a state code, a queue...), each
 * text made once for a key below `size`; with `pieces`, numbered once too, the rows' keys and numbers made by
 * the addon (KeyedPieces.fill).
 */
function keyedCell(size: number, spec: KeySpec, text: (key: number) => string, pieces: Pieces | undefined): ColumnCell {
  let made: string[] | undefined;
  const head = (row: number): string => {
    const k = keyOf(spec, row);
    if (k >= size) return text(k);
    made ??= textsBy(size);
    return made[k] || (made[k] = text(k));
  };
  const numbered = pieces?.keyed(size, text);
  return {
    head,
    tail: () => '',
    width: (row) => head(row).length,
    ...(numbered && {
      fillIds: (count, order, heads) => {
        numbered.fill(spec, count, order, heads);
        return false;
      },
    }),
  };
}

/** A cell of the same text on every row (with `pieces`, numbered once). */
export function constantCell(text: string, pieces: Pieces | undefined): ColumnCell {
  const id = pieces?.of(text);
  return {
    head: () => text,
    tail: () => '',
    width: () => text.length,
    ...(id !== undefined && {
      fillIds: (count, _order, heads) => {
        heads.fill(id, 0, count);
        return false;
      },
    }),
  };
}

/** endpointLabel of a TCP/UDP/UDP-Lite socket's local or peer end, from its address and port columns. */
function endpointCell(
  c: SocketColumns,
  side: 'local' | 'peer',
  style: EndpointStyle,
  pieces: Pieces | undefined,
): ColumnCell {
  const addresses = side === 'local' ? c.localAddress : c.peerAddress;
  const ports = side === 'local' ? c.localPort : c.peerPort;
  // `host:` by string index and family; the last key is the dual-stack `*:`: endpointLabel's `::` of a socket
  // that is not v6only. The other texts are the same for every row.
  const star = 2 * c.strings.length;
  const hostKeys: KeySpec = {
    a: addresses,
    m: 2,
    b: c.family,
    family: true,
    star: { index: c.strings.indexOf('::'), v6only: c.v6only, key: star },
  };
  const hostText = (key: number): string => {
    if (key === star) return '*:';
    const address = c.strings[key >> 1] ?? '';
    return key % 2 === 1 ? `[${address}]:` : `${address}:`;
  };
  // Port labels by protocol index and port: service names depend on the protocol.
  const sockets = COLUMN_PROTOCOLS.map((protocol) => ({ protocol }) as Socket);
  const portKeys: KeySpec = { a: c.protocol, m: 65536, b: ports };
  const portText = (key: number): string =>
    portLabel(sockets[key >> 16] ?? ({ protocol: 'tcp' } as Socket), key & 0xffff, style);
  const host = keyedCell(star + 1, hostKeys, hostText, pieces);
  const port = keyedCell(COLUMN_PROTOCOLS.length * 65536, portKeys, portText, pieces);
  const hostOf = (r: number) => host.head(r) as string; // a keyed cell handles every row
  const portOf = (r: number) => port.head(r) as string;
  return {
    head: hostOf,
    tail: portOf,
    width: (r) => hostOf(r).length + portOf(r).length,
    ...(pieces && {
      tails: true,
      fillIds: (count, order, heads, tails) => {
        host.fillIds?.(count, order, heads, null);
        if (tails !== null) port.fillIds?.(count, order, tails, null);
        return false;
      },
    }),
  };
}

/** usersLabel of a row held by one fd of one process; undefined for the other rows. */
function usersCell(owners: ColumnOwners, pieces: Pieces | undefined): ColumnCell | undefined {
  const { sole, soles } = owners;
  if (sole === undefined) return undefined;
  const prefixes = new Map<number, { text: string; id: number }>();
  let fd = 0;
  const fdText = (n: number) => `${String(n)}))`;
  let tails: string[] | undefined; // `5))` by fd
  const prefixOf = (holder: Pick<Holder, 'command'>, pid: number): { text: string; id: number } => {
    let made = prefixes.get(pid);
    if (made === undefined) {
      const text = `users:(("${printable(holder.command)}",pid=${String(pid)},fd=`;
      made = { text, id: pieces?.of(text) ?? UNHANDLED };
      prefixes.set(pid, made);
    }
    return made;
  };
  const prefix = (row: number): { text: string; id: number } | undefined => {
    const found = sole(row);
    if (found === undefined) return undefined;
    fd = found.fd;
    return prefixOf(found.holder, found.pid);
  };
  const head = (row: number) => prefix(row)?.text;
  const tail = () => (fd >= 65536 ? fdText(fd) : (tails ??= textsBy(65536))[fd] || (tails[fd] = fdText(fd)));
  const width = (row: number): number | undefined => {
    const first = head(row);
    return first === undefined ? undefined : first.length + tail().length;
  };
  if (pieces === undefined || soles === undefined) return { head, tail, width };
  // An fd (below 2^31: fds are ints) is a number piece followed by `))` where the writer takes them; else
  // each fd's text is numbered by key.
  const suffix = pieces.numberPieces ? pieces.of('))') : undefined;
  const tailIds = suffix === undefined ? pieces.keyed(65536, fdText) : undefined;
  return {
    head,
    tail,
    width,
    tails: true,
    ...(suffix !== undefined && { suffix }),
    fillIds: (count, order, heads, tails) => {
      const rows = soles(count, order);
      // Each row's pid as its key, numbered once per process by the addon (Pieces.numberBy).
      const left = pieces.numberBy(
        rows.pids,
        count,
        heads,
        (pid) => {
          const command = rows.command(pid); // the one fact the text needs (not every one: ~1 ms a process)
          return command === undefined ? undefined : prefixOf({ command }, pid).id;
        },
        rows.largestPid,
      );
      // `5))`: the fd as a number piece, then the suffix; no text made per fd.
      if (tails !== null && suffix !== undefined) pieces.numbersInto(tails, rows.fds, count);
      else if (tails !== null) tailIds?.fillFrom(rows.fds, count, tails);
      if (tails !== null) for (const i of left) tails[i] = 0; // the row's text is whole in its head
      for (const i of left) heads[i] = UNHANDLED;
      return left.length > 0;
    },
  };
}

/**
 * The {@link ColumnCell} of field `name` (a name of COLUMN_FIELDS), or undefined for a field read through the
 * row cursor: those of ss's plain columns (`netid`, `state`, queues, ends), `proto` and, without threads, `users`.
 * With `pieces`, the cell numbers its texts in it (ColumnCell.fillIds) for the addon's table writer.
 */
export function columnCell(
  name: string,
  c: SocketColumns,
  owners: ColumnOwners | undefined,
  style: EndpointStyle,
  pieces?: Pieces,
): ColumnCell | undefined {
  switch (name) {
    case 'netid':
      return keyedCell(3, { a: c.protocol, m: 1 }, (p) => COLUMN_PROTOCOLS[p] ?? 'tcp', pieces);
    case 'proto': {
      const labels = COLUMN_PROTOCOLS.flatMap((p) => [p, `${p}6`]);
      const spec = { a: c.protocol, m: 2, b: c.family, family: true };
      return keyedCell(labels.length, spec, (k) => labels[k] ?? 'tcp', pieces);
    }
    case 'state': {
      const labels: string[] = [];
      for (let p = 0; p < COLUMN_PROTOCOLS.length; p++)
        for (let code = 0; code < 16; code++) labels.push(stateLabel(columnState(p, code) ?? 'UNCONN'));
      return keyedCell(labels.length, { a: c.protocol, m: 16, b: c.state }, (k) => labels[k] ?? 'UNCONN', pieces);
    }
    case 'recv-q':
    case 'send-q':
      return keyedCell(65536, { a: name === 'recv-q' ? c.recvQ : c.sendQ, m: 1 }, String, pieces);
    case 'local':
    case 'peer':
      return endpointCell(c, name, style, pieces);
    case 'users':
      return owners === undefined || style.threads !== undefined ? undefined : usersCell(owners, pieces);
    default:
      return undefined;
  }
}
