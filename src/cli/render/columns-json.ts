import type { RowDetails } from '../../inventory/linux/detail-columns.js';
import type { ColumnsListing } from '../../inventory/linux/read-columns.js';
import type { SocketTimer } from '../../model/index.js';
import type { CliIo } from '../io.js';
import { ChunkedOutput } from './chunked-output.js';
import { rowCursor } from './columns.js';
import { JsonRows, writeJsonDocument } from './json-stream.js';
import { printWarnings, type SnapshotView } from './sockets.js';

type Listed = Extract<ColumnsListing, { columns: unknown }>;

/**
 * A row-to-row reused object with a Socket's keys in the order parseInetDiag's Socket has them (sock_diag read
 * with `details`: the timer, the interface and the cookie, then its attributes in the kernel's order, which
 * DetailColumns checks), so that `JSON.stringify` of it is that of the Socket listSockets returns: keys it
 * lacks are undefined here, which JSON.stringify leaves out as absent. The rest comes from rowCursor's
 * Socket (columns.ts), owners and ownerStatus included, so that what it carries is printed as it is.
 */
function jsonRow(listed: Listed): ((row: number) => object) | undefined {
  const { details } = listed.columns;
  if (details === undefined) return undefined;
  const { socket, load } = rowCursor(listed);
  const timer: SocketTimer = { kind: 'on', expiresMs: 0, retransmits: 0 };
  const row = {
    ...{ protocol: socket.protocol, family: socket.family, state: socket.state, local: socket.local },
    ...{ peer: socket.peer, recvQ: socket.recvQ, sendQ: socket.sendQ, inode: socket.inode, uid: socket.uid },
    ...{ netns: socket.netns, owners: socket.owners, ownerStatus: socket.ownerStatus },
    ...{ timer: undefined, ifindex: undefined, cookie: '' },
    ...{ shutdown: undefined, v6only: socket.v6only, mark: undefined, cgroupId: undefined },
  } as Record<string, unknown> & RowDetails;
  return (i: number) => {
    load(i);
    row.protocol = socket.protocol;
    row.family = socket.family;
    row.state = socket.state;
    row.local = socket.local;
    row.peer = socket.peer;
    row.recvQ = socket.recvQ;
    row.sendQ = socket.sendQ;
    row.inode = socket.inode;
    row.uid = socket.uid;
    row.netns = socket.netns;
    row.owners = socket.owners;
    row.ownerStatus = socket.ownerStatus;
    row.v6only = socket.v6only;
    details.load(i, row, timer);
    return row;
  };
}

/**
 * Prints a listing read in columns with sock_diag's details (ListSocketsOptions `details`, which `ls` sets for
 * JSON) as printSnapshot prints the same sockets as objects, byte for byte: `json` the listing's Snapshot
 * (listed.snapshot, its `sockets` written row by row), `ndjson` one Socket per line; in chunks, the text never
 * one string. Warnings go to stderr first, as there. Returns the number of rows, or undefined (having printed
 * nothing) when the columns lack the details and cannot give the same Sockets. The rows go in `order` (row
 * numbers) when given, else as read.
 */
export async function printColumnsJson(
  listed: Listed,
  view: SnapshotView,
  io: CliIo,
  order?: ArrayLike<number>,
): Promise<number | undefined> {
  const fillRow = jsonRow(listed);
  if (fillRow === undefined) return undefined;
  const fill = order === undefined ? fillRow : (i: number) => fillRow(order[i] ?? 0);
  printWarnings(listed.snapshot.warnings, view, io);
  const count = listed.columns.length;
  const out = new ChunkedOutput(io.stdout);
  if (view.format === 'json') {
    const text = (i: number, depth: number) =>
      JSON.stringify(fill(i), null, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`);
    await writeJsonDocument({ ...listed.snapshot, sockets: new JsonRows(count, text) }, out);
  } else {
    for (let i = 0; i < count; i++) if (out.add(`${JSON.stringify(fill(i))}\n`)) await out.flush();
  }
  await out.flush();
  return count;
}
