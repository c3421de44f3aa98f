import type { Socket, SocketState, UnixInfo } from '../../model/index.js';
import { FieldCursor, hexAt } from './hex.js';

const SO_ACCEPTCON = 0x10000;
const TYPES: Record<number, UnixInfo['type']> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };
const SS_CONNECTING = 2;
const SS_CONNECTED = 3;

function stateOf(flags: number, st: number): SocketState {
  if ((flags & SO_ACCEPTCON) !== 0) return 'LISTEN';
  if (st === SS_CONNECTED) return 'ESTABLISHED';
  if (st === SS_CONNECTING) return 'SYN_SENT';
  return 'UNCONN';
}

/**
 * Parses /proc/net/unix (the text of `unix_seq_show`) from bytes. Pure: no I/O.
 *
 * Each row: `Num RefCount Protocol Flags Type St Inode [Path]`. The path runs to the end of the line
 * and may hold spaces; abstract names are printed by the kernel with a leading `@`; an unnamed socket
 * has no path (`''`). The table has no uid, queue or peer columns: `uid` is -1, queues 0 and `peer`
 * is `{ address: '', port: 0 }`. State as `ss` shows it: LISTEN (accepting), ESTABLISHED, SYN_SENT, UNCONN.
 */
export function parseUnixTable(
  buf: Uint8Array,
  length: number,
  netns: number,
): { sockets: Socket[]; malformedRows: number } {
  const sockets: Socket[] = [];
  let malformedRows = 0;
  let lineStart = buf.indexOf(10) + 1;
  while (lineStart > 0 && lineStart < length) {
    let lineEnd = buf.indexOf(10, lineStart);
    if (lineEnd < 0 || lineEnd > length) lineEnd = length;
    const socket = parseRow(buf, lineStart, lineEnd, netns);
    if (socket === undefined) malformedRows++;
    else sockets.push(socket);
    lineStart = lineEnd + 1;
  }
  return { sockets, malformedRows };
}

function parseRow(buf: Uint8Array, start: number, end: number, netns: number): Socket | undefined {
  // "%pK: %08X %08X %08X %04X %02X %5lu": skip the kernel pointer, then fixed-width hex fields.
  const colon = buf.indexOf(58, start);
  if (colon < 0 || colon >= end) return undefined;
  const p = colon + 2;
  const flags = hexAt(buf, p + 18, 8);
  const typeCode = hexAt(buf, p + 27, 4);
  const st = hexAt(buf, p + 32, 2);
  const cursor = new FieldCursor(buf);
  cursor.pos = p + 35;
  cursor.end = end;
  const inode = cursor.nextDecimal();
  const inodeEnd = cursor.pos;
  const type = TYPES[typeCode];
  if (flags < 0 || st < 0 || type === undefined || Number.isNaN(inode)) return undefined;
  const path =
    inodeEnd < end ? Buffer.from(buf.buffer, buf.byteOffset + inodeEnd + 1, end - inodeEnd - 1).toString() : '';
  const abstract = path.startsWith('@');
  return {
    protocol: 'unix',
    family: 'unix',
    state: stateOf(flags, st),
    local: { address: path, port: 0 },
    peer: { address: '', port: 0 },
    recvQ: 0,
    sendQ: 0,
    inode,
    uid: -1,
    netns,
    owners: [],
    ownerStatus: 'none',
    unix: { type, abstract },
  };
}
