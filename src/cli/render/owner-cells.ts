import type { ColumnOwners } from '../../inventory/linux/owner-columns.js';
import type { Holder } from '../../inventory/linux/owners.js';
import type { Owner, Socket } from '../../model/index.js';
import { fillBySole, UNHANDLED, type ColumnCell } from './column-cells.js';
import type { EndpointStyle } from './format.js';
import type { Pieces } from './pieces.js';
import type { SocketField } from './socket-columns.js';

/**
 * The {@link ColumnCell} of an `ofOwner` field (`pid`, `user`, `unit`, `command`: text from the owners' facts
 * alone) for the rows held by one fd of one process (ColumnOwners.sole): the field's own text for that one
 * owner, made once per process (a port held by one process with thousands of connections: `who`), with no
 * join of the row's owners; undefined for the other rows, whose owners the row cursor loads. Undefined for
 * another field, or without `sole`. With `pieces`, each process's text is numbered in it (ColumnCell.fillIds).
 */
export function ownerCell(
  field: SocketField,
  owners: ColumnOwners | undefined,
  style: EndpointStyle,
  pieces?: Pieces,
): ColumnCell | undefined {
  const sole = owners?.sole;
  const soles = owners?.soles;
  if (sole === undefined || field.ofOwner !== true) return undefined;
  const texts = new Map<number, { text: string; id: number }>();
  const probe = { owners: [] as Owner[] };
  const madeFor = (holder: Omit<Holder, 'fds'>, pid: number, fd: number): { text: string; id: number } => {
    let text = texts.get(pid);
    if (text === undefined) {
      probe.owners = [{ ...holder, fds: [fd] }];
      const value = field.value(probe as unknown as Socket, style);
      text = { text: value, id: pieces?.of(value) ?? UNHANDLED };
      texts.set(pid, text);
    }
    return text;
  };
  const made = (row: number): { text: string; id: number } | undefined => {
    const found = sole(row);
    return found === undefined ? undefined : madeFor(found.holder, found.pid, found.fd);
  };
  const head = (row: number) => made(row)?.text;
  return {
    head,
    tail: () => '',
    width: (row) => head(row)?.length,
    ...(pieces &&
      soles && {
        fillIds: (count, order, heads) =>
          fillBySole(soles(count, order), count, heads, (holder, pid, fd) => madeFor(holder, pid, fd).id).left,
      }),
  };
}
