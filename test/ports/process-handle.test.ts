import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/inventory/linux/native.js';
import {
  closeProcess,
  openProcess,
  processNow,
  signalProcess,
  type ProcessHandle,
} from '../../src/ports/process-check.js';
import { isRoot } from '../helpers/system.js';

const children: ChildProcess[] = [];
const sleeper = () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child;
};
const exited = async (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
};
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

const hasAddon = nativeAddon() !== undefined;
/** Whether this process may set the pid namespace's last pid (root with CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE). */
const canSetLastPid = (() => {
  if (!isRoot) return false;
  try {
    writeFileSync('/proc/sys/kernel/ns_last_pid', readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8').trim());
    return true;
  } catch {
    return false;
  }
})();

describe('process handles for kill', () => {
  it.skipIf(!hasAddon)('open a pidfd when the addon is built, and signal through it', async () => {
    const child = sleeper();
    const handle = openProcess(child.pid ?? 0, processNow(child.pid ?? 0)?.startTicks ?? 0, true) as ProcessHandle;
    expect(handle.pid).toBe(child.pid);
    expect(handle.pidfd).toBeGreaterThanOrEqual(0);
    expect(signalProcess(handle, 'SIGTERM')).toBe('sent');
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM');
    // Exited and reaped: the pidfd says so.
    expect(signalProcess(handle, 'SIGTERM')).toBe('gone');
    closeProcess(handle);
  });

  it.skipIf(!hasAddon)('say gone for a pid that does not exist', () => {
    expect(openProcess(2 ** 22 + 1, 0, true)).toBe('gone');
  });

  it.skipIf(!hasAddon || !canSetLastPid)(
    'never reach the process that reused the pid of the one opened (pid reuse forced with ns_last_pid)',
    async () => {
      for (let attempt = 0; attempt < 10; attempt++) {
        const first = sleeper();
        const pid = first.pid ?? 0;
        const handle = openProcess(pid, processNow(pid)?.startTicks ?? 0, true) as ProcessHandle;
        first.kill('SIGKILL');
        await exited(first);
        // The next process forked in this pid namespace gets `pid` (unless another fork wins the race).
        writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
        const second = sleeper();
        if (second.pid !== pid) {
          closeProcess(handle);
          continue;
        }
        expect(signalProcess(handle, 'SIGKILL')).toBe('gone');
        closeProcess(handle);
        // The process now holding the pid was not touched.
        expect(() => process.kill(pid, 0)).not.toThrow();
        expect(second.exitCode).toBeNull();
        expect(second.signalCode).toBeNull();
        return;
      }
      throw new Error('could not get a reused pid in 10 attempts');
    },
  );
});

describe.skipIf(!canSetLastPid)('signals by pid, without a pidfd', () => {
  it('re-read the start time just before the signal, so a process that reused the pid is not hit', async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const first = sleeper();
      const pid = first.pid ?? 0;
      const handle = openProcess(pid, processNow(pid)?.startTicks ?? 0, false) as ProcessHandle;
      expect(handle.pidfd).toBeUndefined();
      first.kill('SIGKILL');
      await exited(first);
      // A start time is counted in clock ticks (10 ms here): a process that takes the pid within the same
      // tick has the same start time, and only a pidfd tells them apart. Reuse it a tick or more later.
      await sleep(30);
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
      const second = sleeper();
      if (second.pid !== pid) continue;
      expect(signalProcess(handle, 'SIGKILL')).toBe('gone');
      // A SIGKILL that hit it would show within 200 ms: a zombie, or reaped with that signal.
      await sleep(200);
      expect(processNow(pid)?.state).not.toBe('Z');
      expect(second.signalCode).toBeNull();
      return;
    }
    throw new Error('could not get a reused pid in 10 attempts');
  });
});
