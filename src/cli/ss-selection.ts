import { readFileSync } from 'node:fs';
import { PortscopeError } from '../errors.js';
import type { Family, PacketInfo, Protocol, Socket, UnixInfo } from '../model/index.js';

/**
 * Which socket tables `ls` reads, from ss's `-t -u -w -x -4 -6 -f FAMILY -A QUERY`: table keys (`tcp`, `udp`,
 * `udplite`, `raw`, `unix:stream`, `unix:dgram`, `unix:seqpacket`, `mptcp`, `netlink`, `packet:raw`,
 * `packet:dgram`) and families. Empty sets = all (but mptcp, netlink and packet, listed only when named).
 */
export interface SocketSelection {
  readonly tables: Set<string>;
  readonly families: Set<Family>;
}

type Table = readonly [Protocol, (UnixInfo['type'] | PacketInfo['type'])?];
const UNIX: readonly Table[] = [
  ['unix', 'stream'],
  ['unix', 'dgram'],
  ['unix', 'seqpacket'],
];
/** ss's socket table names (misc/ss.c filter_db_parse) that portscope reads. */
const TABLES: Readonly<Record<string, readonly Table[]>> = {
  all: [['tcp'], ['udp'], ['udplite'], ['raw'], ...UNIX],
  inet: [['tcp'], ['udp'], ['udplite'], ['raw']],
  tcp: [['tcp']],
  udp: [['udp'], ['udplite']],
  raw: [['raw']],
  unix: UNIX,
  unix_stream: [['unix', 'stream']],
  u_str: [['unix', 'stream']],
  unix_dgram: [['unix', 'dgram']],
  u_dgr: [['unix', 'dgram']],
  unix_seqpacket: [['unix', 'seqpacket']],
  u_seq: [['unix', 'seqpacket']],
  mptcp: [['mptcp']],
  netlink: [['netlink']],
  packet: [
    ['packet', 'raw'],
    ['packet', 'dgram'],
  ],
  packet_raw: [['packet', 'raw']],
  p_raw: [['packet', 'raw']],
  packet_dgram: [['packet', 'dgram']],
  p_dgr: [['packet', 'dgram']],
};
/** ss's names of tables portscope does not read (yet), for a precise error. */
const UNREAD = ['dccp', 'sctp', 'tipc', 'vsock', 'vsock_stream', 'v_str', 'vsock_dgram', 'v_dgr', 'xdp'];
const FAMILIES: Readonly<Record<string, Family>> = {
  inet: 'inet',
  inet6: 'inet6',
  unix: 'unix',
  link: 'packet',
  netlink: 'netlink',
};
const UNREAD_FAMILIES = ['tipc', 'vsock', 'xdp'];

const key = ([protocol, type]: Table) => (type === undefined ? protocol : `${protocol}:${type}`);

/** Adds the tables of an ss table name (`tcp`, `unix`, `u_dgr`), as `-t -u -w -x` do. */
export function addTables(selection: SocketSelection, name: keyof typeof TABLES): void {
  for (const table of TABLES[name] ?? []) selection.tables.add(key(table));
}

/**
 * Applies ss's `-A QUERY` (comma-separated table names, `!name` to leave one out) to `selection`, in order:
 * tables named by `-t -u -w -x` and every `-A` add up. @throws PortscopeError `INVALID_ARGUMENT`.
 */
export function addQuery(selection: SocketSelection, query: string): void {
  for (const word of query.split(',')) {
    const exclude = word.startsWith('!');
    const name = exclude ? word.slice(1) : word;
    const tables = TABLES[name];
    if (tables === undefined) {
      const why = UNREAD.includes(name) ? 'portscope does not read those sockets yet; it reads' : 'expected one of';
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected -A to list socket tables, got \`${name}\`: ${why} ${Object.keys(TABLES).join(', ')}`,
      );
    }
    for (const table of tables) {
      if (exclude) selection.tables.delete(key(table));
      else selection.tables.add(key(table));
    }
  }
}

/** The protocols to list (undefined: all) and a test that keeps only the chosen unix socket types. */
export function selectedProtocols(selection: SocketSelection): {
  protocols: Protocol[] | undefined;
  keep: (socket: Socket) => boolean;
} {
  if (selection.tables.size === 0) return { protocols: undefined, keep: () => true };
  const protocols = [...new Set([...selection.tables].map((t) => t.split(':')[0] as Protocol))];
  return {
    protocols,
    keep: (s) =>
      (s.unix === undefined || selection.tables.has(`unix:${s.unix.type}`)) &&
      (s.packet === undefined || selection.tables.has(`packet:${s.packet.type}`)),
  };
}

/** Adds ss's `-f FAMILY` (inet, inet6, unix, link = packet, netlink). @throws PortscopeError `INVALID_ARGUMENT`. */
export function addFamily(selection: SocketSelection, name: string): void {
  const family = FAMILIES[name];
  if (family === undefined) {
    const why = UNREAD_FAMILIES.includes(name) ? 'portscope does not read those sockets yet; it reads' : 'expected';
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected -f to name a family, got \`${name}\`: ${why} ${Object.keys(FAMILIES).join(', ')}`,
    );
  }
  selection.families.add(family);
}

/**
 * The filter text of ss's `-F FILE` (`-` = stdin): its lines joined with spaces, lines starting with `#`
 * left out, to follow the filter words of the command line as ss reads them.
 * @throws PortscopeError `INVALID_ARGUMENT` naming the file when it cannot be read.
 */
export function readFilterFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    throw new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected -F to name a readable filter file, got \`${path}\` (${code})`,
    );
  }
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join(' ');
}
