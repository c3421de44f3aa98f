/** A push queue read as an async iterator: the engine pushes, the caller's `for await` pulls. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wakeUp();
  }

  end(): void {
    this.ended = true;
    this.wakeUp();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.wakeUp();
  }

  private wakeUp(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Everything queued so far, one array at a time (none empty), until `end()`; throws what `fail()` got. */
  async *batches(): AsyncGenerator<T[]> {
    for (;;) {
      if (this.items.length > 0) {
        // Hand out everything queued so far in one go, without a promise per item.
        yield this.items.splice(0);
        continue;
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
