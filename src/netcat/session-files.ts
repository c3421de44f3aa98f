import { createWriteStream, type WriteStream } from 'node:fs';
import { PortscopeError, errnoCode } from '../errors.js';

/** ncat reads at most this many bytes at a time (8 KiB), and dumps each read on its own. */
const NCAT_READ_BYTES = 8192;

/**
 * One chunk as ncat 7.93's `--hex-dump` writes it: 16 bytes a line, the offset within the chunk in
 * four hex digits, the bytes in two groups of 8, then the bytes as text (`.` for anything but
 * `!`..`~`, so a space is `.` too), padded with spaces to 16: `0000   68 69 0a  ...  hi.`.
 * A chunk over 8 KiB is dumped as ncat's 8 KiB reads would be, each from offset 0.
 */
export function ncatHexDump(chunk: Buffer): string {
  let text = '';
  for (let start = 0; start < chunk.length; start += NCAT_READ_BYTES) {
    const read = chunk.subarray(start, start + NCAT_READ_BYTES);
    for (let i = 0; i < read.length; i += 16) {
      const row = [...read.subarray(i, i + 16)];
      const hex = row.map((b, j) => `${b.toString(16).padStart(2, '0')} ${j === 7 ? ' ' : ''}`).join('');
      const ascii = row.map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      text += `${i.toString(16).padStart(4, '0')}   ${hex.padEnd(50)}${ascii.padEnd(16)}\n`;
    }
  }
  return text;
}

/** The files of ncat's `-o` (raw bytes) and `-x` (hex dump), both directions in the order they passed. */
export interface SessionFiles {
  /** Records one chunk (the direction does not show in ncat's files). */
  tap(direction: 'sent' | 'received', chunk: Buffer): void;
  /** Flushes and closes the files. */
  close(): Promise<void>;
}

/** Options of {@link openSessionFiles}. */
export interface SessionFilesOptions {
  /** Path for the raw bytes (ncat's `-o`). */
  readonly output?: string;
  /** Path for the hex dump (ncat's `-x`). */
  readonly hexDump?: string;
  /** Append to the files instead of truncating them (ncat's `--append-output`). @default false */
  readonly append?: boolean;
}

async function open(path: string, append: boolean, option: string): Promise<WriteStream> {
  const file = createWriteStream(path, { flags: append ? 'a' : 'w', mode: 0o644 });
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => {
      resolve();
    });
    file.once('error', (error) => {
      reject(
        new PortscopeError('IO_ERROR', `Cannot open ${option} \`${path}\` (${errnoCode(error) ?? 'error'})`, {
          cause: error,
        }),
      );
    });
  });
  return file;
}

/**
 * Opens ncat's session files at once (as ncat does, so an empty session leaves empty files),
 * truncated unless `append`.
 * @throws PortscopeError `IO_ERROR` naming the file that cannot be opened.
 */
export async function openSessionFiles(options: SessionFilesOptions): Promise<SessionFiles> {
  const append = options.append === true;
  const raw = options.output === undefined ? undefined : await open(options.output, append, '--output');
  const hex =
    options.hexDump === undefined
      ? undefined
      : await open(options.hexDump, append, '--hex-dump').catch((error: unknown) => {
          raw?.destroy();
          throw error;
        });
  const end = (file: WriteStream | undefined) =>
    new Promise<void>((resolve) => {
      if (file === undefined) resolve();
      else file.end(resolve);
    });
  return {
    tap(_direction, chunk) {
      raw?.write(chunk);
      hex?.write(ncatHexDump(chunk));
    },
    close: async () => {
      await Promise.all([end(raw), end(hex)]);
    },
  };
}
