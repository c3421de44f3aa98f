/** Byte-level helpers for the fixed-width hex fields of /proc/net/* (pure, no allocation per call). */

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** Value of `length` hex digits at `buf[at]` (at most 13 digits, so the result stays exact); -1 if any is not hex. */
export function hexAt(buf: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = HEX[buf[i] ?? 0] ?? -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** A run of ASCII decimal digits at `buf[at]`, after skipping spaces: [value, index after it]. */
export function decimalAt(buf: Uint8Array, at: number, end: number): [number, number] {
  let i = at;
  while (i < end && buf[i] === 32) i++;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
  }
  const start = i;
  let value = 0;
  for (; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  if (i === start) return [Number.NaN, i];
  return [negative ? -value : value, i];
}
