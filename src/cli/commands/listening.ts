import { listSockets } from '../../inventory/list-sockets.js';
import { backendOf, type CliIo } from '../io.js';
import { chooseFields, chooseFormat } from '../render/output.js';
import { printSnapshot } from '../render/sockets.js';
import { LISTENING_FIELDS } from '../render/socket-columns.js';

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
 * `portscope` alone: listening TCP and unconnected UDP sockets with their owners, what
 * `ss -tulpn` and `netstat -tulpn` are used for.
 */
export async function showListening(
  options: ListeningOptions,
  io: CliIo,
  setExit: (code: number) => void,
): Promise<void> {
  const format = chooseFormat(options);
  const fields = options.fields === undefined ? LISTENING_FIELDS : chooseFields(options.fields, LISTENING_FIELDS);
  const snapshot = await listSockets({
    protocols: ['tcp', 'udp', 'udplite'],
    filter: 'state listening state unconnected',
    owners: true,
    netns: options.netns,
    backend: backendOf(io),
  });
  snapshot.sockets.sort(
    (a, b) => a.local.port - b.local.port || a.protocol.localeCompare(b.protocol) || a.family.localeCompare(b.family),
  );
  await printSnapshot(
    snapshot,
    { format, fields, header: options.header, style: { numeric: options.numeric === true } },
    io,
  );
  if (snapshot.sockets.length === 0) setExit(1);
}
