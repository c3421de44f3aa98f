/** Where chunks go: the CLI's stdout (`CliIo.stdout`), a Writable or anything with `write`. */
export interface ChunkSink {
  write(text: string): unknown;
  /** A Writable's, to wait for `drain` when `write` returned false. */
  once?: (event: 'drain', listener: () => void) => unknown;
}

/** Characters gathered before one write: large enough to cost few system calls, small enough to never
 * meet V8's string limit (~512 MiB), whatever the size of the listing. */
export const CHUNK_CHARS = 16 * 1024;

/**
 * Output gathered into chunks of about {@link CHUNK_CHARS} characters, each written on its own. A sink
 * that says it is full (`write` returned false) is waited on until it drains. On Linux the CLI's
 * stdout (file, pipe or terminal) writes synchronously, so waiting is for other sinks.
 */
export class ChunkedOutput {
  private parts: string[] = [];
  private length = 0;

  constructor(
    private readonly sink: ChunkSink,
    private readonly chunkChars = CHUNK_CHARS,
  ) {}

  /** Adds text; true when a chunk is full and {@link flush} should be awaited before adding more. */
  add(text: string): boolean {
    this.parts.push(text);
    this.length += text.length;
    return this.length >= this.chunkChars;
  }

  /** Writes what was added, waiting for the sink to drain if it asks to. */
  async flush(): Promise<void> {
    if (this.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.length = 0;
    const { sink } = this;
    if (sink.write(text) === false && sink.once !== undefined) {
      const once = sink.once.bind(sink);
      await new Promise<void>((resolve) => once('drain', resolve));
    }
  }
}
