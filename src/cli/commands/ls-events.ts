import { watchDestroyedSockets } from '../../inventory/linux/destroy-events.js';
import type { FilterNode } from '../../inventory/index.js';
import type { Snapshot, Socket } from '../../model/index.js';
import type { CliIo } from '../io.js';
import { printSnapshot, type SnapshotView } from '../render/sockets.js';

/**
 * `ls -E`: prints TCP and UDP sockets of this namespace as they are destroyed, one row each as it comes (the
 * header first), until SIGINT or SIGTERM, as `ss -E`. `keep` applies ls's table selection (-A, -f...).
 */
export async function printDestroyEvents(
  filter: FilterNode,
  keep: (socket: Socket) => boolean,
  view: SnapshotView,
  io: CliIo,
): Promise<void> {
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const empty: Snapshot = {
    schemaVersion: 1,
    takenAt: new Date().toISOString(),
    host: '',
    platform: 'linux',
    namespaces: [],
    warnings: [],
    sockets: [],
  };
  try {
    if (view.header && view.format === 'table') await printSnapshot(empty, view, io);
    for await (const socket of watchDestroyedSockets({ signal: controller.signal, filter })) {
      if (!keep(socket)) continue;
      if (view.format === 'json' || view.format === 'ndjson') io.stdout.write(`${JSON.stringify(socket)}\n`);
      else await printSnapshot({ ...empty, sockets: [socket] }, { ...view, header: false }, io);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
