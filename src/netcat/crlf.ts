/**
 * Turns bare LF into CRLF across chunks (`--crlf`): a LF already preceded by CR, even at the end of
 * the previous chunk, is left alone. Returns a converter that keeps that one byte of state.
 */
export function crlfConverter(): (chunk: Buffer) => Buffer {
  let lastWasCr = false;
  return (chunk) => {
    let bare = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a && (i === 0 ? !lastWasCr : chunk[i - 1] !== 0x0d)) bare++;
    }
    const wasCr = lastWasCr;
    lastWasCr = chunk.length > 0 ? chunk[chunk.length - 1] === 0x0d : lastWasCr;
    if (bare === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + bare);
    let o = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] ?? 0;
      if (byte === 0x0a && (i === 0 ? !wasCr : chunk[i - 1] !== 0x0d)) out[o++] = 0x0d;
      out[o++] = byte;
    }
    return out;
  };
}
