/** Byte-level helpers for the fixed-width fields of /proc/net/* (pure, no allocation per call). */

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

/**
 * A field scanner over one line: `next*()` skip leading spaces, read one field and leave `pos`
 * after it. Invalid fields read as NaN (decimal) or -1 (hex), so a caller checks once per row.
 */
export class FieldCursor {
  pos = 0;
  end = 0;
  constructor(readonly buf: Uint8Array) {}

  private skipSpaces(): void {
    while (this.pos < this.end && this.buf[this.pos] === 32) this.pos++;
  }

  /** A decimal integer (optionally negative). */
  nextDecimal(): number {
    this.skipSpaces();
    const { buf } = this;
    let negative = false;
    if (buf[this.pos] === 45) {
      negative = true;
      this.pos++;
    }
    const start = this.pos;
    let value = 0;
    for (; this.pos < this.end; this.pos++) {
      const c = buf[this.pos] ?? 0;
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    if (this.pos === start) return Number.NaN;
    return negative ? -value : value;
  }

  /** Hex digits up to the next space or `:`. */
  nextHex(): number {
    this.skipSpaces();
    const start = this.pos;
    while (this.pos < this.end && this.buf[this.pos] !== 32 && this.buf[this.pos] !== 58) this.pos++;
    return this.pos === start ? -1 : hexAt(this.buf, start, this.pos - start);
  }
}
