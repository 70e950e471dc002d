// Byte classes tested 4 bytes at a time: the scanners read a little-endian 32-bit word through a DataView and ask
// whether any of its bytes needs a closer look, with no branch per byte (SWAR). A `true` answer is exact for the
// word as a whole; on `false` the caller goes on byte by byte from the word's start, so which byte it was never
// matters.
//
// Each term sets the top bit of a byte it catches: (y - 0x01) & ~y when y is 0 (y: the byte xor a byte to find),
// (x - 0x20) & ~x when x < 0x20, x + 0x01 when x is 0x7f, x itself when x ≥ 0x80. Borrows and carries only ever
// set more bits above a byte already caught (the lowest caught byte receives none), so nothing is missed.

/** `c` repeated in the 4 bytes of a word. */
function repeated(c: number): number {
  return Math.imul(c & 0xff, 0x01010101);
}

/** Top bits of the bytes of `x` equal to the byte repeated in `pattern`. */
function equal(x: number, pattern: number): number {
  const y = x ^ pattern;
  return (y - 0x01010101) & ~y;
}

/** Top bits of the bytes that are not printable ASCII (below 0x20, 0x7f, 0x80 and above). */
function unprintable(x: number): number {
  return ((x - 0x20202020) & ~x) | (x + 0x01010101) | x;
}

const QUOTES = repeated(0x22);
const BACKSLASHES = repeated(0x5c);

/** Printable ASCII, no quote, no backslash: bytes a JSON string holds as they are. */
export function isPlainJsonWord(x: number): boolean {
  return ((equal(x, QUOTES) | equal(x, BACKSLASHES) | unprintable(x)) & 0x80808080) === 0;
}
