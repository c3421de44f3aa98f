import { describe, expect, it } from 'vitest';
import { splitByFamily } from '../../../src/inventory/linux/diag-both-families.js';
import {
  AF_INET,
  AF_INET6,
  NLMSG_HDRLEN,
  SOCK_DIAG_BY_FAMILY,
  TCPDIAG_GETSOCK,
} from '../../../src/inventory/linux/diag-request.js';

/** One netlink message of type TCPDIAG_GETSOCK: a header, then `family` and `fill` bytes (padded to 4). */
function message(family: number, payload: number, fill: number, type = TCPDIAG_GETSOCK): Buffer {
  const length = NLMSG_HDRLEN + payload;
  const out = Buffer.alloc((length + 3) & ~3);
  out.writeUInt32LE(length, 0);
  out.writeUInt16LE(type, 4);
  out.fill(fill, NLMSG_HDRLEN, length);
  out[NLMSG_HDRLEN] = family;
  return out;
}

/** What each family's reply must be: its messages in order, typed SOCK_DIAG_BY_FAMILY. */
const typed = (messages: readonly Buffer[]) =>
  Buffer.concat(
    messages.map((m) => {
      const copy = Buffer.from(m);
      copy.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
      return copy;
    }),
  );

describe('splitByFamily', () => {
  const a4 = message(AF_INET, 70, 1);
  const b4 = message(AF_INET, 73, 2);
  const c4 = message(AF_INET, 72, 3);
  const a6 = message(AF_INET6, 94, 4);
  const b6 = message(AF_INET6, 97, 5);
  it.each([
    ['interleaved', [a4, a6, b4, c4, b6]],
    ['IPv4 only', [a4, b4, c4]],
    ['IPv6 only', [a6, b6]],
    ['IPv6 then IPv4', [a6, b6, a4, b4, c4]],
    ['nothing', []],
  ] as const)('gives each family its messages in order (%s)', (_, messages) => {
    const [four, six] = splitByFamily(Buffer.concat(messages.map((m) => Buffer.from(m))));
    expect(four).toEqual(typed(messages.filter((m) => m[NLMSG_HDRLEN] !== AF_INET6)));
    expect(six).toEqual(typed(messages.filter((m) => m[NLMSG_HDRLEN] === AF_INET6)));
  });

  it('puts a message of neither family (NLMSG_DONE) in the first, and drops bytes after a bad length', () => {
    const done = message(0, 4, 0, 3);
    const [four, six] = splitByFamily(Buffer.concat([a6, done, Buffer.from([9, 9, 9, 9, 1, 0, 0, 0])]));
    expect(four).toEqual(done);
    expect(six).toEqual(typed([a6]));
  });
});
