import { netnsOf } from '../inventory/linux/netns.js';
import { readUsers } from '../inventory/linux/passwd.js';
import { parseBootTime } from '../inventory/linux/proc-stat.js';
import { readProcessFacts } from '../inventory/linux/process-info.js';
import { readSmallText } from '../inventory/linux/read-proc.js';
import type { NamespaceInfo } from '../model/index.js';
import { listenerKey } from './listeners.js';
import type { TraceRecord } from './tracefs.js';
import type { Listener } from './types.js';

/** The process (thread group) of a thread id, from /proc/TID/status; undefined once it is gone. */
function tgidOf(tid: number): number | undefined {
  const match = /^Tgid:\s+(\d+)$/m.exec(readSmallText(`/proc/${String(tid)}/status`, 'utf8') ?? '');
  return match === null ? undefined : Number(match[1]);
}

/**
 * A listener from a traced listen(): netns and owner from the calling process while it still exists
 * (else netns absent and no owner). The tracepoint gives neither inode nor fd: `inodes` and the
 * owner's `fds` are empty, and the next poll completes it.
 */
export function tracedListener(record: TraceRecord, namespaces: readonly NamespaceInfo[]): Listener {
  const pid = tgidOf(record.tid);
  const netns = pid === undefined ? undefined : netnsOf(pid);
  const facts =
    pid === undefined
      ? undefined
      : readProcessFacts(pid, parseBootTime(readSmallText('/proc/stat') ?? ''), readUsers());
  const name = namespaces.find((n) => n.netns === netns)?.name;
  return {
    key: listenerKey(netns, 'tcp', record.address, record.port),
    ...(netns === undefined ? {} : { netns }),
    ...(name === undefined ? {} : { netnsName: name }),
    protocol: 'tcp',
    family: record.family,
    local: { address: record.address, port: record.port },
    inodes: [],
    owners: facts === undefined ? [] : [{ ...facts, fds: [] }],
    ownerStatus: facts === undefined ? 'gone' : 'ok',
    source: 'tracepoint',
  };
}

/** The netns of a traced close(), from the calling process while it exists. */
export function tracedNetns(record: TraceRecord): number | undefined {
  const pid = tgidOf(record.tid);
  return pid === undefined ? undefined : netnsOf(pid);
}
