import { HOST_LE, NLMSG_HDRLEN } from './diag-request.js';

/**
 * Calls `visit(offset, length)` for each netlink message of a sock_diag reply, in order (`length` is its
 * nlmsg_len; the next starts at the 4-byte boundary after it). Returns false when a message with an
 * impossible length (shorter than its header, or past the reply's end) ended the walk, true otherwise.
 * Pure: no I/O.
 */
export function walkMessages(view: DataView, visit: (offset: number, length: number) => void): boolean {
  let off = 0;
  while (off + NLMSG_HDRLEN <= view.byteLength) {
    const length = view.getUint32(off, HOST_LE);
    if (length < NLMSG_HDRLEN || off + length > view.byteLength) return false;
    visit(off, length);
    off += (length + 3) & ~3;
  }
  return true;
}
