import { readdirSync } from 'node:fs';
import { readSmallText } from './read-proc.js';

/** One thread of a process: its id and its own `comm` (a thread may rename itself). */
export interface ThreadInfo {
  readonly tid: number;
  readonly command: string;
}

/**
 * The threads of process `pid`, ascending by tid, from /proc/PID/task/TID/comm (what `ss -T` lists). Threads
 * share their process's fd table unless created without CLONE_FILES, which this does not check. Empty when
 * the process is gone or unreadable.
 */
export function readThreads(pid: number): ThreadInfo[] {
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${String(pid)}/task`)
      .map(Number)
      .filter((tid) => Number.isSafeInteger(tid))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
  return tids.map((tid) => ({
    tid,
    command: (readSmallText(`/proc/${String(pid)}/task/${String(tid)}/comm`, 'utf8') ?? '').trimEnd(),
  }));
}
