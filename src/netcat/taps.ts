import { createWriteStream } from 'node:fs';

/** Bytes per hex dump line. */
const WIDTH = 16;

/**
 * A hex dump writer in `hexdump -C` layout, one dump per direction with its own offset, lines
 * marked `>` (sent) and `<` (received): `> 00000000  68 69 0a  |hi.|`.
 */
export function hexDumper(write: (text: string) => void): (direction: 'sent' | 'received', chunk: Buffer) => void {
  const offsets = { sent: 0, received: 0 };
  return (direction, chunk) => {
    const mark = direction === 'sent' ? '>' : '<';
    let text = '';
    for (let i = 0; i < chunk.length; i += WIDTH) {
      const row = chunk.subarray(i, i + WIDTH);
      const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
      const left = hex.slice(0, 8).join(' ');
      const right = hex.slice(8).join(' ');
      const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      const offset = (offsets[direction] + i).toString(16).padStart(8, '0');
      text += `${mark} ${offset}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|\n`;
    }
    offsets[direction] += chunk.length;
    write(text);
  };
}

/** One line of a transcript file. */
export interface TranscriptEntry {
  /** ISO 8601 time the chunk was sent or received. */
  readonly time: string;
  readonly direction: 'sent' | 'received';
  /** The bytes, base64. */
  readonly data: string;
}

/**
 * Appends every chunk to `path` as JSON lines ({@link TranscriptEntry}); the file is opened for
 * append, so an existing transcript is never overwritten. `close()` flushes and closes it.
 */
export function transcriptWriter(path: string): {
  tap: (direction: 'sent' | 'received', chunk: Buffer) => void;
  close: () => Promise<void>;
  opened: Promise<void>;
} {
  const file = createWriteStream(path, { flags: 'a', mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => {
    file.once('open', () => {
      resolve();
    });
    file.once('error', reject);
  });
  return {
    opened,
    tap(direction, chunk) {
      const entry: TranscriptEntry = { time: new Date().toISOString(), direction, data: chunk.toString('base64') };
      file.write(`${JSON.stringify(entry)}\n`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        file.end(resolve);
      }),
  };
}
