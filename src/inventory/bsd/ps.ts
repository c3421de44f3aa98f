import { parsePs, type PsProcess } from './parse-ps.js';
import { runTool } from './run-tool.js';

/** Pids per ps run: keeps the argument list short on a host with many owners. */
const CHUNK = 500;

/**
 * Process facts (uid, user, start time, command line) of `pids` from
 * `ps -o pid= -o uid= -o user= -o lstart= -o command= -p PIDS` (macOS, FreeBSD), by pid. A pid that is
 * gone is missing from the map. Empty when ps is not installed.
 * @throws PortscopeError `IO_ERROR` when ps cannot be run.
 */
export async function readProcesses(pids: Iterable<number>): Promise<Map<number, PsProcess>> {
  const all = [...new Set(pids)].filter((p) => p > 0).sort((a, b) => a - b);
  const found = new Map<number, PsProcess>();
  for (let i = 0; i < all.length; i += CHUNK) {
    const list = all.slice(i, i + CHUNK).join(',');
    const args = ['-o', 'pid=', '-o', 'uid=', '-o', 'user=', '-o', 'lstart=', '-o', 'command=', '-p', list];
    const result = await runTool('ps', args);
    if (result === undefined) return found;
    for (const p of parsePs(result.stdout)) found.set(p.pid, p);
  }
  return found;
}
