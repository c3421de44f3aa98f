import { PortscopeError } from '../../errors.js';
import { destroySockets } from '../../inventory/linux/destroy.js';
import type { DestroyOutcome } from '../../inventory/index.js';
import type { Snapshot } from '../../model/index.js';
import type { CliIo } from '../io.js';
import { printSnapshot, type SnapshotView } from '../render/sockets.js';

const WHY: Readonly<Record<DestroyOutcome, string>> = {
  closed: 'closed',
  gone: 'already gone',
  unsupported: 'cannot be closed (unix sockets, sockets read from /proc, or a kernel without CONFIG_INET_DIAG_DESTROY)',
  'permission-denied': 'not closed: closing needs root (CAP_NET_ADMIN)',
  unreachable: 'not closed: their network namespace could not be entered',
  failed: 'not closed: the kernel refused',
};

/**
 * `ls -K`: closes the listed sockets with SOCK_DESTROY, as `ss -K`. Without `yes`, shows them and asks on the
 * terminal first (as `kill` does), and refuses when there is none. Prints the sockets it closed (as ss does)
 * or, with `--json`, every result; one stderr line per kind of failure. Exit 1 when some were not closed.
 * @throws PortscopeError `INVALID_ARGUMENT` (no terminal to ask on, no `--yes`), `UNSUPPORTED_PLATFORM` (no addon).
 */
export async function closeListed(snapshot: Snapshot, view: SnapshotView, yes: boolean, io: CliIo): Promise<number> {
  const sockets = snapshot.sockets;
  if (!yes) {
    if (io.confirm === undefined) {
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Refusing to close ${String(sockets.length)} sockets without a confirmation: no terminal to ask on; pass --yes`,
      );
    }
    await printSnapshot(snapshot, view, io);
    if (
      !(await io.confirm(`Close ${String(sockets.length)} socket${sockets.length === 1 ? '' : 's'} (SOCK_DESTROY)?`))
    ) {
      io.stderr.write('portscope: nothing was closed\n');
      return 1;
    }
  }
  const results = destroySockets(sockets, snapshot.namespaces);
  if (view.format === 'json') {
    const shown = results.map(({ socket, outcome, error }) => ({
      socket,
      outcome,
      ...(error === undefined ? {} : { error }),
    }));
    io.stdout.write(`${JSON.stringify({ results: shown }, null, 2)}\n`);
  } else if (yes) {
    await printSnapshot(
      { ...snapshot, warnings: [], sockets: results.filter((r) => r.outcome === 'closed').map((r) => r.socket) },
      view,
      io,
    );
  }
  const counts = new Map<DestroyOutcome, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  for (const [outcome, n] of counts) {
    if (outcome !== 'closed') io.stderr.write(`portscope: ${String(n)} socket${n === 1 ? '' : 's'} ${WHY[outcome]}\n`);
  }
  return results.every((r) => r.outcome === 'closed' || r.outcome === 'gone') ? 0 : 1;
}
