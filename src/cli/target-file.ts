import { createReadStream } from 'node:fs';
import { PortscopeError, errnoCode, quotePrefix } from '../errors.js';

/** Longest line of a target file: far past any target list written by hand or by a tool, far below memory. */
export const MAX_LINE_BYTES = 65_536;

/** Bytes of a bad line handed to quotePrefix: enough for its quote, however escaped. */
const QUOTE_BYTES = 96;

/** The first byte of a line that is no text: a control byte other than tab and CR. */
function controlByte(line: Buffer): number {
  for (let i = 0; i < line.length; i++) {
    const b = line[i] ?? 0;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0d) || b === 0x7f) return i;
  }
  return -1;
}

/**
 * Reads the words of a target file (`-iL`, `--exclude-file`) as a stream: whitespace- or
 * comma-separated, `#` starts a comment, `-` is stdin. Holds at most one line (up to
 * {@link MAX_LINE_BYTES}) besides the words, and stops once there are more than `maxWords`: each
 * word is at least one host, so more words than `--max-targets` is a refusal anyway.
 * @throws PortscopeError `INVALID_ARGUMENT` naming `file:line` for a line that is too long or is not
 *   text (a short escaped prefix is quoted, never the line), or for more than `maxWords` words;
 *   `NOT_FOUND` when the file cannot be read.
 */
export async function readTargetFile(file: string, what: string, maxWords: number, tooMany: string): Promise<string[]> {
  const stream = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 64 * 1024 });
  const words: string[] = [];
  let lineNo = 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const where = () => `\`${file === '-' ? 'stdin' : file}:${String(lineNo)}\``;
  const takeLine = (line: Buffer) => {
    const at = controlByte(line);
    if (at >= 0) {
      throw new PortscopeError(
        'INVALID_ARGUMENT',
        `Expected text in ${what}, got the byte 0x${(line[at] ?? 0).toString(16).padStart(2, '0')} at ${where()} column ${String(at + 1)} (starts \`${quotePrefix(line.subarray(0, QUOTE_BYTES).toString('latin1'))}\`)`,
      );
    }
    for (const word of line
      .toString('utf8')
      .replace(/#.*/, '')
      .split(/[\s,]+/)) {
      if (word === '') continue;
      if (words.length >= maxWords) throw new PortscopeError('INVALID_ARGUMENT', `${tooMany} (at ${where()})`);
      words.push(word);
    }
    lineNo++;
  };
  const tooLong = (start: Buffer) =>
    new PortscopeError(
      'INVALID_ARGUMENT',
      `Expected lines of at most ${MAX_LINE_BYTES.toLocaleString('en-US')} bytes in ${what}, got a longer one at ${where()} (starts \`${quotePrefix(start.subarray(0, QUOTE_BYTES).toString('latin1'))}\`)`,
    );
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
        const part = chunk.subarray(from, nl);
        if (pendingBytes + part.length > MAX_LINE_BYTES) throw tooLong(pending[0] ?? part);
        takeLine(pending.length === 0 ? part : Buffer.concat([...pending, part]));
        pending = [];
        pendingBytes = 0;
        from = nl + 1;
      }
      const rest = chunk.subarray(from);
      // Binary bytes end the read at once, before a long line of them could pile up.
      const at = controlByte(rest);
      if (at >= 0) takeLine(rest);
      if (pendingBytes + rest.length > MAX_LINE_BYTES) throw tooLong(pending[0] ?? rest);
      // A copy: the chunk's memory is not kept alive for a few bytes of it.
      if (rest.length > 0) pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
    if (pendingBytes > 0) takeLine(Buffer.concat(pending));
  } catch (error) {
    if (error instanceof PortscopeError) throw error;
    throw new PortscopeError('NOT_FOUND', `Cannot read ${what} \`${file}\` (${errnoCode(error) ?? 'error'})`, {
      cause: error,
    });
  } finally {
    if (stream !== process.stdin) stream.destroy();
  }
  return words;
}
