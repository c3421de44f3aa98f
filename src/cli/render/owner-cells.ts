import type { ColumnOwners } from '../../inventory/linux/owner-columns.js';
import type { Owner, Socket } from '../../model/index.js';
import type { ColumnCell } from './column-cells.js';
import type { EndpointStyle } from './format.js';
import type { SocketField } from './socket-columns.js';

/**
 * The {@link ColumnCell} of an `ofOwner` field (`pid`, `user`, `unit`, `command`: text from the owners' facts
 * alone) for the rows held by one fd of one process (ColumnOwners.sole): the field's own text for that one
 * owner, made once per process (a port held by one process with thousands of connections: `who`), with no
 * join of the row's owners; undefined for the other rows, whose owners the row cursor loads. Undefined for
 * another field, or without `sole`.
 */
export function ownerCell(
  field: SocketField,
  owners: ColumnOwners | undefined,
  style: EndpointStyle,
): ColumnCell | undefined {
  const sole = owners?.sole;
  if (sole === undefined || field.ofOwner !== true) return undefined;
  const texts = new Map<number, string>();
  const probe = { owners: [] as Owner[] };
  const head = (row: number): string | undefined => {
    const found = sole(row);
    if (found === undefined) return undefined;
    let text = texts.get(found.pid);
    if (text === undefined) {
      probe.owners = [{ ...found.holder, fds: [found.fd] }];
      text = field.value(probe as unknown as Socket, style);
      texts.set(found.pid, text);
    }
    return text;
  };
  return { head, tail: () => '', width: (row) => head(row)?.length };
}
