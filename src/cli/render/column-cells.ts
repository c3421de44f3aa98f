import type { ColumnOwners } from '../../inventory/linux/owner-columns.js';
import { COLUMN_PROTOCOLS, columnState, type SocketColumns } from '../../inventory/linux/socket-columns.js';
import type { Socket } from '../../model/index.js';
import { portLabel, printable, stateLabel, type EndpointStyle } from './format.js';

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
}

/** Texts by a number below `size`, each made once ('' until then): an array of fast elements, not a sparse one. */
const textsBy = (size: number): string[] => new Array<string>(size).fill('');

/** `String(n)` of small numbers (queues, fds), each made once. */
function numberTexts(): (n: number) => string {
  const made = textsBy(65536);
  return (n) => {
    if (n >= 65536) return String(n);
    return made[n] || (made[n] = String(n));
  };
}

const plainCell = (head: (row: number) => string): ColumnCell => ({
  head,
  tail: () => '',
  width: (row) => head(row).length,
});

/** endpointLabel of a TCP/UDP/UDP-Lite socket's local or peer end, from its address and port columns. */
function endpointCell(c: SocketColumns, side: 'local' | 'peer', style: EndpointStyle): ColumnCell {
  const addresses = side === 'local' ? c.localAddress : c.peerAddress;
  const ports = side === 'local' ? c.localPort : c.peerPort;
  // `host:` by string index and family.
  const hosts = textsBy(2 * c.strings.length);
  // Port labels by protocol index and port: service names depend on the protocol.
  const labels: (string[] | undefined)[] = COLUMN_PROTOCOLS.map(() => undefined);
  const sockets = COLUMN_PROTOCOLS.map((protocol) => ({ protocol }) as Socket);
  const host = (row: number): string => {
    const index = addresses[row] ?? 0;
    const address = c.strings[index] ?? '';
    const v6 = c.family[row] === 6;
    // endpointLabel's dual-stack `::` (v6only 0) is `*`; its other texts are the same for every row.
    if (v6 && c.v6only[row] === 0 && address === '::') return '*:';
    const slot = 2 * index + (v6 ? 1 : 0);
    return hosts[slot] || (hosts[slot] = v6 ? `[${address}]:` : `${address}:`);
  };
  const port = (row: number): string => {
    const protocol = c.protocol[row] ?? 0;
    const p = ports[row] ?? 0;
    const byPort = labels[protocol] ?? (labels[protocol] = textsBy(65536));
    return byPort[p] || (byPort[p] = portLabel(sockets[protocol] ?? ({ protocol: 'tcp' } as Socket), p, style));
  };
  return { head: host, tail: port, width: (row) => host(row).length + port(row).length };
}

/** usersLabel of a row held by one fd of one process; undefined for the other rows. */
function usersCell(owners: ColumnOwners): ColumnCell | undefined {
  const { sole } = owners;
  if (sole === undefined) return undefined;
  const prefixes = new Map<number, string>();
  const tails = textsBy(65536); // `5))` by fd
  let fd = 0;
  const head = (row: number): string | undefined => {
    const found = sole(row);
    if (found === undefined) return undefined;
    const { pid } = found;
    let prefix = prefixes.get(pid);
    if (prefix === undefined) {
      prefix = `users:(("${printable(found.holder.command)}",pid=${String(pid)},fd=`;
      prefixes.set(pid, prefix);
    }
    fd = found.fd;
    return prefix;
  };
  const tail = () => (fd >= 65536 ? `${String(fd)}))` : tails[fd] || (tails[fd] = `${String(fd)}))`));
  const width = (row: number): number | undefined => {
    const first = head(row);
    return first === undefined ? undefined : first.length + tail().length;
  };
  return { head, tail, width };
}

/**
 * The {@link ColumnCell} of field `name` (a name of COLUMN_FIELDS), or undefined for a field read through the
 * row cursor: those of ss's plain columns (`netid`, `state`, queues, ends), `proto` and, without threads, `users`.
 */
export function columnCell(
  name: string,
  c: SocketColumns,
  owners: ColumnOwners | undefined,
  style: EndpointStyle,
): ColumnCell | undefined {
  switch (name) {
    case 'netid':
      return plainCell((row) => COLUMN_PROTOCOLS[c.protocol[row] ?? 0] ?? 'tcp');
    case 'proto': {
      const labels = COLUMN_PROTOCOLS.flatMap((p) => [p, `${p}6`]);
      return plainCell((row) => labels[(c.protocol[row] ?? 0) * 2 + (c.family[row] === 6 ? 1 : 0)] ?? 'tcp');
    }
    case 'state': {
      const labels: string[] = [];
      for (let p = 0; p < COLUMN_PROTOCOLS.length; p++)
        for (let code = 0; code < 16; code++) labels.push(stateLabel(columnState(p, code) ?? 'UNCONN'));
      return plainCell((row) => labels[(c.protocol[row] ?? 0) * 16 + (c.state[row] ?? 0)] ?? 'UNCONN');
    }
    case 'recv-q':
    case 'send-q': {
      const queue = name === 'recv-q' ? c.recvQ : c.sendQ;
      const texts = numberTexts();
      return plainCell((row) => texts(queue[row] ?? 0));
    }
    case 'local':
    case 'peer':
      return endpointCell(c, name, style);
    case 'users':
      return owners === undefined || style.threads !== undefined ? undefined : usersCell(owners);
    default:
      return undefined;
  }
}
