import type { ListSocketsOptions } from '../../inventory/options.js';
import type { SocketColumns } from '../../inventory/linux/socket-columns.js';
import { backendOf, type CliIo } from '../io.js';
import { chooseFields, chooseFormat } from '../render/output.js';
import { printSnapshot } from '../render/sockets.js';
import { LISTENING_FIELDS } from '../render/socket-columns.js';
import { printColumnarListing } from './ls-columnar.js';

/** Options of `portscope` alone. */
export interface ListeningOptions {
  json?: true;
  format: string;
  numeric?: true;
  fields?: string;
  netns: string;
  header: boolean;
}

/**
 * The rows of `columns` in the listing's order (as the sort of the Socket objects below): local port, then
 * protocol (tcp, udp, udplite: the order of COLUMN_PROTOCOLS), then family (inet before inet6); ties as read.
 */
function listeningOrder(columns: SocketColumns): Uint32Array {
  const order = new Uint32Array(columns.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const { localPort, protocol, family } = columns;
  return order.sort(
    (a, b) =>
      (localPort[a] ?? 0) - (localPort[b] ?? 0) ||
      (protocol[a] ?? 0) - (protocol[b] ?? 0) ||
      (family[a] ?? 0) - (family[b] ?? 0) ||
      a - b,
  );
}

/**
 * `portscope` alone: listening TCP and unconnected UDP sockets with their owners, what `ss -tulpn` and
 * `netstat -tulpn` are used for; from columns when it can (see printColumnarListing), else from Socket objects.
 */
export async function showListening(
  options: ListeningOptions,
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  const format = chooseFormat(options);
  const fields = options.fields === undefined ? LISTENING_FIELDS : chooseFields(options.fields, LISTENING_FIELDS);
  const listOptions: ListSocketsOptions = {
    protocols: ['tcp', 'udp', 'udplite'],
    filter: 'state listening state unconnected',
    owners: true,
    // The table's and CSV's fields need none of sock_diag's details: then several namespaces can be read in one pass.
    details: format !== 'table' && format !== 'csv',
    netns: options.netns,
    backend: backendOf(io),
  };
  const view = { format, fields, header: options.header, style: { numeric: options.numeric === true } };
  const snapshot = await printColumnarListing(listOptions, view, { needsObjects: false }, io, listeningOrder);
  if (typeof snapshot === 'number') {
    if (snapshot === 0) setExit(1);
    return;
  }
  snapshot.sockets.sort(
    (a, b) => a.local.port - b.local.port || a.protocol.localeCompare(b.protocol) || a.family.localeCompare(b.family),
  );
  await printSnapshot(snapshot, view, io);
  if (snapshot.sockets.length === 0) setExit(1);
}
