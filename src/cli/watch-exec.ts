import { spawn } from 'node:child_process';
import type { SocketEvent } from '../monitor/types.js';

/** Events waiting for `--exec` beyond this many are dropped (and counted on stderr). */
export const EXEC_QUEUE_LIMIT = 64;

/**
 * `watch --exec CMD ARGS...`: runs CMD once per event, with the event's JSON (one line) on its stdin,
 * without a shell. One at a time, in event order; events that arrive meanwhile wait in a queue of at
 * most {@link EXEC_QUEUE_LIMIT}, and past it the newest are dropped, so that a slow or hanging program
 * cannot make the watcher grow without bound. `report` gets one line per failure or drop.
 */
export class EventRunner {
  private readonly queue: SocketEvent[] = [];
  private running: Promise<void> | undefined;
  private dropped = 0;

  constructor(
    private readonly command: readonly [string, ...string[]],
    private readonly report: (line: string) => void,
  ) {}

  /** Queues `event` (or drops it when the queue is full). */
  push(event: SocketEvent): void {
    if (this.queue.length >= EXEC_QUEUE_LIMIT) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 100 === 0) {
        this.report(
          `--exec is behind: ${String(this.dropped)} events dropped (queue of ${String(EXEC_QUEUE_LIMIT)} full)`,
        );
      }
      return;
    }
    this.queue.push(event);
    this.running ??= this.drain();
  }

  /** Resolves when the queue is empty and no program runs. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    for (let event = this.queue.shift(); event !== undefined; event = this.queue.shift()) {
      await this.runOne(event);
    }
    this.running = undefined;
  }

  private runOne(event: SocketEvent): Promise<void> {
    const [file, ...args] = this.command;
    return new Promise((resolve) => {
      const child = spawn(file, args, { stdio: ['pipe', 'inherit', 'inherit'] });
      let failed = false;
      child.once('error', (error) => {
        failed = true;
        this.report(`--exec ${file}: ${error.message}`);
        resolve();
      });
      child.once('close', (code, signal) => {
        if (failed) return;
        if (code !== 0 && code !== null) this.report(`--exec ${file} exited with code ${String(code)}`);
        if (signal !== null) this.report(`--exec ${file} was killed by ${signal}`);
        resolve();
      });
      // A program that does not read its stdin must not fail the watcher (EPIPE).
      child.stdin.on('error', () => undefined);
      child.stdin.end(`${JSON.stringify(event)}\n`);
    });
  }
}
