import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** Bytes read from a procfs file: `buf[0..length)` holds whole lines only. */
export interface ProcText {
  readonly buf: Buffer;
  readonly length: number;
}

const REQUEST = 256 * 1024;

/**
 * Reads a procfs file whole (or until `stopAtLine` says so) with synchronous reads into one growing
 * buffer. procfs text is made by the kernel on demand (seq_file gives at most a page per read) and
 * never waits on a disk, so a synchronous loop is cheaper than the thread pool's round trips.
 *
 * `stopAtLine(buf, start, end)` is called for each complete line (the header included); when it
 * returns true, reading stops and that line and what follows are dropped.
 *
 * @throws the `fs` error (ENOENT, EACCES...) as is; callers turn it into a warning or PortscopeError.
 */
export function readProcText(
  path: string,
  stopAtLine?: (buf: Buffer, start: number, end: number) => boolean,
): ProcText {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(REQUEST * 2);
    let length = 0;
    let lineStart = 0;
    for (;;) {
      if (buf.length - length < REQUEST) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      const chunkEnd = length + n;
      if (stopAtLine !== undefined) {
        let nl = buf.indexOf(10, length);
        while (nl >= 0 && nl < chunkEnd) {
          if (stopAtLine(buf, lineStart, nl)) return { buf, length: lineStart };
          lineStart = nl + 1;
          nl = buf.indexOf(10, lineStart);
        }
      }
      length = chunkEnd;
    }
    return { buf, length };
  } finally {
    closeSync(fd);
  }
}

/**
 * A small procfs or config file as text, or undefined when it cannot be read (a process that
 * exited, a file we may not read, a file this kernel does not have): the callers treat each of
 * those as "unknown", never as an error.
 */
export function readSmallText(path: string, encoding: 'utf8' | 'latin1' = 'latin1'): string | undefined {
  try {
    return readFileSync(path, encoding);
  } catch {
    return undefined;
  }
}
