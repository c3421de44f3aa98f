import { writeSync } from 'node:fs';

/** Where chunks go: the CLI's stdout (`CliIo.stdout`), a Writable or anything with `write`. */
export interface ChunkSink {
  write(text: string): unknown;
  /** A Writable's, to wait for `drain` when `write` returned false. */
  once?: (event: 'drain', listener: () => void) => unknown;
  /** A Node stream's file descriptor (`process.stdout.fd`), when it writes to one. */
  readonly fd?: unknown;
  /** A Writable's bytes queued and not yet written (`writable.writableLength`). */
  readonly writableLength?: unknown;
}

/** Characters gathered before one write: large enough to cost few system calls, small enough to never
 * meet V8's string limit (~512 MiB), whatever the size of the listing. */
export const CHUNK_CHARS = 16 * 1024;

/** Bytes of the reused buffer of a stream with a file descriptor: a chunk, then room for a row of up to
 * 16 Ki characters (3 bytes each at most in UTF-8) added after the chunk is full. */
const BUFFER_BYTES = CHUNK_CHARS + 3 * 16 * 1024;

/**
 * Output gathered into chunks of about {@link CHUNK_CHARS} characters, each written on its own. A sink
 * that says it is full (`write` returned false) is waited on until it drains. On Linux the CLI's
 * stdout (file, pipe or terminal) writes synchronously, so waiting is for other sinks.
 *
 * A stream with a file descriptor (the CLI's stdout) gets bytes, not strings: each text is encoded as it
 * comes into one buffer, reused for every chunk, which is written to the descriptor with `writeSync` when the
 * stream holds nothing queued (so the order of writes is kept). Joining each chunk's texts into a string and
 * encoding that into a new Buffer (what `write(string)` does) cost more than making the texts (a JSON listing
 * of 1M sockets: ~1 GB). When the descriptor fails (EAGAIN, EPIPE...), the rest goes through the stream, as
 * copies, which reports the error as it always did.
 */
export class ChunkedOutput {
  private parts: string[] = [];
  private length = 0;
  /** Set for a sink with a file descriptor, until a direct write fails. */
  private fd: number | undefined;
  private readonly buffer: Buffer | undefined;
  private used = 0;
  /** The stream asked to be waited on (its `write` returned false) since the last flush. */
  private full = false;

  constructor(
    private readonly sink: ChunkSink,
    private readonly chunkChars = CHUNK_CHARS,
  ) {
    if (typeof sink.fd === 'number' && typeof sink.writableLength === 'number') {
      this.fd = sink.fd;
      this.buffer = Buffer.allocUnsafe(Math.max(BUFFER_BYTES, chunkChars * 4));
    }
  }

  /** Adds text; true when a chunk is full and {@link flush} should be awaited before adding more. */
  add(text: string): boolean {
    const { buffer } = this;
    if (buffer === undefined) {
      this.parts.push(text);
      this.length += text.length;
      return this.length >= this.chunkChars;
    }
    if (3 * text.length > buffer.length - this.used) {
      this.emit();
      if (3 * text.length > buffer.length) {
        this.emitBytes(Buffer.from(text)); // a row larger than the buffer: on its own
        return false;
      }
    }
    this.used += buffer.write(text, this.used);
    return this.used >= this.chunkChars;
  }

  /**
   * Adds one table row as `${TableLayout.line(cells)}\n` gives it when no cell is cut or painted, cell k being
   * `heads[k] + tails[k]`: each cell padded with spaces to its column's width (before the text where
   * `right[k]`), two spaces between cells, the last cell unpadded when left-aligned, trailing spaces trimmed.
   * The bytes go straight into the buffer, with no string of the row or its cells. Returns as {@link add};
   * undefined, having added nothing, when it cannot: no buffer, a cell with a character outside printable
   * ASCII or wider than its column, a row larger than the buffer.
   */
  addRow(
    heads: readonly string[],
    tails: readonly string[],
    widths: readonly number[],
    right: readonly boolean[],
  ): boolean | undefined {
    const { buffer } = this;
    if (buffer === undefined) return undefined;
    const last = heads.length - 1;
    const length = (k: number) => (heads[k]?.length ?? 0) + (tails[k]?.length ?? 0);
    let size = 2 * last + 1;
    for (let k = 0; k <= last; k++) size += k === last && right[k] !== true ? length(k) : (widths[k] ?? 0);
    if (!(size <= buffer.length - this.used)) {
      this.emit();
      if (!(size <= buffer.length)) return undefined;
    }
    let at = this.used;
    let end = at; // after the last character other than a space: trimEnd
    for (let k = 0; k <= last; k++) {
      const pad = k === last && right[k] !== true ? 0 : (widths[k] ?? 0) - length(k);
      if (pad < 0) return undefined;
      if (k > 0) {
        buffer[at++] = 32;
        buffer[at++] = 32;
      }
      if (right[k] === true) for (let j = 0; j < pad; j++) buffer[at++] = 32;
      for (let piece = 0; piece < 2; piece++) {
        const text = (piece === 0 ? heads[k] : tails[k]) ?? '';
        for (let j = 0; j < text.length; j++) {
          const code = text.charCodeAt(j);
          if (code < 32 || code > 126) return undefined;
          buffer[at++] = code;
          if (code !== 32) end = at;
        }
      }
      if (right[k] !== true) for (let j = 0; j < pad; j++) buffer[at++] = 32;
    }
    buffer[end] = 10;
    this.used = end + 1;
    return this.used >= this.chunkChars;
  }

  /** Whether the output goes to a file descriptor as bytes (the CLI's stdout): what addRow and addBytes need. */
  get direct(): boolean {
    return this.buffer !== undefined;
  }

  /**
   * Writes what was added, then `bytes` (made elsewhere: the addon's table writer), on their own. The caller
   * awaits {@link flush} before adding more, in case the sink asked to be waited on.
   */
  addBytes(bytes: Uint8Array): void {
    this.emit();
    if (bytes.length > 0) this.emitBytes(bytes);
  }

  /** Writes what was added, waiting for the sink to drain if it asks to. */
  async flush(): Promise<void> {
    if (this.buffer !== undefined) this.emit();
    else if (this.length > 0) {
      const text = this.parts.join('');
      this.parts = [];
      this.length = 0;
      this.full = this.sink.write(text) === false;
    }
    if (this.full && this.sink.once !== undefined) {
      this.full = false;
      const once = this.sink.once.bind(this.sink);
      await new Promise<void>((resolve) => once('drain', resolve));
    }
  }

  /** Writes the buffer's bytes (see {@link emitBytes}) and empties it. */
  private emit(): void {
    if (this.buffer === undefined || this.used === 0) return;
    this.emitBytes(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Writes `bytes` to the descriptor when the stream has nothing queued, else (or what a failed write left) through the stream, copied (it may keep the chunk after `write` returns, and the buffer is reused). */
  private emitBytes(bytes: Uint8Array): void {
    let at = 0;
    if (this.fd !== undefined && this.sink.writableLength === 0) {
      try {
        while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at);
        return;
      } catch {
        this.fd = undefined;
      }
    }
    // A sink with a file descriptor is a Node Writable, which takes bytes as well as strings.
    const stream = this.sink as unknown as { write(chunk: Uint8Array): unknown };
    if (stream.write(Buffer.from(bytes.subarray(at))) === false) this.full = true;
  }
}
