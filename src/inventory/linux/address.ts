import { hexAt } from './hex.js';

/**
 * Decoding of the addresses in /proc/net/{tcp,udp,raw}{,6}: the kernel prints each 32-bit word of
 * the address with %08X in host byte order, so on little-endian machines every word is byte-swapped.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const v4Cache = new Map<number, string>();

function wordBytes(word: number): [number, number, number, number] {
  return LITTLE_ENDIAN
    ? [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24]
    : [word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff];
}

function dotted(word: number): string {
  const [a, b, c, d] = wordBytes(word);
  return `${String(a)}.${String(b)}.${String(c)}.${String(d)}`;
}

/** IPv4 address from the 8 hex digits at `buf[at]`, as dotted quad; '' when malformed. */
export function ipv4At(buf: Uint8Array, at: number): string {
  const word = hexAt(buf, at, 8);
  if (word < 0) return '';
  let text = v4Cache.get(word);
  if (text === undefined) {
    text = dotted(word);
    if (v4Cache.size < 4096) v4Cache.set(word, text);
  }
  return text;
}

// Keys: 32 hex digits (procfs) or 16 raw bytes (sock_diag); the two lengths never collide.
const v6Cache = new Map<string, string>();
const v4BytesCache = new Map<number, string>();

/** IPv6 address from the 32 hex digits at `buf[at]`, RFC 5952 text (`::ffff:a.b.c.d` when mapped); '' when malformed. */
export function ipv6At(buf: Uint8Array, at: number): string {
  const key = Buffer.from(buf.buffer, buf.byteOffset + at, 32).toString('latin1');
  let text = v6Cache.get(key);
  if (text === undefined) {
    const words: number[] = [];
    for (let w = 0; w < 4; w++) {
      const word = hexAt(buf, at + w * 8, 8);
      if (word < 0) return '';
      words.push(word);
    }
    text = formatIpv6(words.flatMap(wordBytes));
    if (v6Cache.size < 4096) v6Cache.set(key, text);
  }
  return text;
}

/** IPv4 address from 4 bytes in network order at `buf[at]` (as sock_diag gives it), dotted quad. */
export function ipv4FromBytes(buf: Uint8Array, at: number): string {
  const word =
    (((buf[at] ?? 0) << 24) | ((buf[at + 1] ?? 0) << 16) | ((buf[at + 2] ?? 0) << 8) | (buf[at + 3] ?? 0)) >>> 0;
  let text = v4BytesCache.get(word);
  if (text === undefined) {
    text = `${String(word >>> 24)}.${String((word >>> 16) & 0xff)}.${String((word >>> 8) & 0xff)}.${String(word & 0xff)}`;
    if (v4BytesCache.size < 4096) v4BytesCache.set(word, text);
  }
  return text;
}

/** IPv6 address from 16 bytes in network order at `buf[at]` (as sock_diag gives it), RFC 5952 text. */
export function ipv6FromBytes(buf: Uint8Array, at: number): string {
  const key = Buffer.from(buf.buffer, buf.byteOffset + at, 16).toString('latin1');
  let text = v6Cache.get(key);
  if (text === undefined) {
    text = formatIpv6([...buf.subarray(at, at + 16)]);
    if (v6Cache.size < 4096) v6Cache.set(key, text);
  }
  return text;
}

/** RFC 5952 text of 16 address bytes: lower case, longest zero run (of 2 or more groups) as `::`. */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMapped) {
    return `::ffff:${bytes.slice(12).map(String).join('.')}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}
