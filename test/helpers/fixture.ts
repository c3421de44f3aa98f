import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A running fixture process and what it printed on its first line (JSON). */
export interface Fixture<T> {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly info: T;
  /** Closes its stdin (its signal to exit) and waits at most 5 s, then kills it. */
  stop(): Promise<void>;
  /** Throws, saying how it ended, when the fixture is no longer running (for a clear failure). */
  assertRunning(): void;
}

/**
 * Starts `command args`, waits (at most `timeoutMs`) for its first stdout line, parses it as JSON.
 * The fixture must exit when its stdin closes; `stop()` does that and reaps it.
 */
export async function startFixture<T>(
  command: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<Fixture<T>> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const lines = createInterface({ input: child.stdout });
  const startup = { timedOut: false };
  const timer = setTimeout(() => {
    startup.timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [undefined])])) as [
      string | undefined,
    ];
    // A line read in the same turn as the time-out would hand out a killed fixture.
    if (startup.timedOut) throw new Error(`${command} was not ready within ${String(timeoutMs)} ms`);
    if (line === undefined) throw new Error(`${command} exited before it was ready`);
    const info = JSON.parse(line) as T;
    // The process that reported must be the one spawned (a launcher that forks would break pid checks).
    const reported = (info as { pid?: unknown }).pid;
    if (typeof reported === 'number' && reported !== child.pid) {
      throw new Error(`${command} reported pid ${String(reported)}, but the spawned pid is ${String(child.pid)}`);
    }
    const pid = child.pid;
    return {
      child,
      pid,
      info,
      assertRunning() {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `fixture ${command} ended early: ${child.signalCode ?? `exit code ${String(child.exitCode)}`}`,
          );
        }
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.stdin.end();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** What test/helpers/sockets.py reports. */
export interface SocketsInfo {
  pid: number;
  child_pid: number;
  dir: string;
  [name: string]: { fd?: number; local: [string, number] | string; peer?: [string, number] } | number | string;
}

/** Starts test/helpers/sockets.py: one socket of each kind, and a forked child sharing them. */
export function startSocketsFixture(): Promise<Fixture<SocketsInfo>> {
  return startFixture<SocketsInfo>('python3', [new URL('./sockets.py', import.meta.url).pathname]);
}

/** The entry `name` of the fixture's report. */
export function entry(
  info: SocketsInfo,
  name: string,
): { fd?: number; local: [string, number] | string; peer?: [string, number] } {
  const value = info[name];
  if (typeof value !== 'object') throw new Error(`fixture reported no ${name}`);
  return value;
}
