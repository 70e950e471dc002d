// The RLE / bit-packed hybrid encoding (Parquet's for definition levels and dictionary indices): runs of eight or
// more equal values become one RLE run, everything else is bit-packed in groups of eight, LSB first. Works over
// typed arrays in place: no allocation per value, one monomorphic pass.
import type { ByteBuffer } from './bytes.ts';

/** Bit-packed runs are capped at 63 groups so that their header is one byte, as Arrow writes them. */
const MAX_GROUPS = 63;
/** Widths above 24 would overflow the 32-bit accumulator; dictionaries are capped far below 2^24 entries. */
export const MAX_BIT_WIDTH = 24;

/** Bits needed for the values 0…maxValue; at least 1, since a width of 0 trips up some readers. */
export function bitWidth(maxValue: number): number {
  return Math.max(1, 32 - Math.clz32(maxValue));
}

/** Appends values[start, end) in the hybrid encoding: no length prefix and no bit-width byte. */
export function writeHybrid(
  out: ByteBuffer,
  values: Uint8Array | Int32Array,
  start: number,
  end: number,
  width: number,
): void {
  if (width < 1 || width > MAX_BIT_WIDTH) throw new RangeError(`bit width ${width} out of range`);
  const valueBytes = (width + 7) >>> 3;
  let i = start;
  // Values in [packStart, i) wait to be bit-packed; i - packStart is a multiple of 8 until the end.
  let packStart = start;
  while (i < end) {
    const v = values[i] as number;
    let j = i + 1;
    while (j < end && values[j] === v) j++;
    if (j - i >= 8) {
      if (i > packStart) writePacked(out, values, packStart, i, width);
      writeRun(out, v, j - i, valueBytes);
      i = j;
      packStart = j;
    } else {
      i += 8;
      if (i - packStart === MAX_GROUPS * 8) {
        writePacked(out, values, packStart, Math.min(i, end), width);
        packStart = i;
      }
    }
  }
  if (packStart < end) writePacked(out, values, packStart, end, width);
}

/** A definition-level stream as data page v1 frames it: a u32 byte length, then the hybrid encoding. */
export function writeLevels(out: ByteBuffer, levels: Uint8Array, start: number, end: number, width: number): void {
  out.reserve(4);
  const at = out.length;
  out.length += 4;
  writeHybrid(out, levels, start, end, width);
  out.setU32(at, out.length - at - 4);
}

function writeRun(out: ByteBuffer, value: number, count: number, valueBytes: number): void {
  out.varint(count * 2);
  out.reserve(valueBytes);
  const b = out.bytes;
  let v = value;
  for (let k = 0; k < valueBytes; k++) {
    b[out.length++] = v & 0xff;
    v >>>= 8;
  }
}

/** One bit-packed run of values[from, to), zero-padded to whole groups of eight (only ever at the end). */
function writePacked(out: ByteBuffer, values: Uint8Array | Int32Array, from: number, to: number, width: number): void {
  const groups = Math.ceil((to - from) / 8);
  out.varint(groups * 2 + 1);
  out.reserve(groups * width);
  if (width === 1) {
    out.length = packBits(out.bytes, out.length, values, from, to);
    return;
  }
  const b = out.bytes;
  let pos = out.length;
  const endPos = pos + groups * width;
  let acc = 0;
  let bits = 0;
  for (let k = from; k < to; k++) {
    acc |= (values[k] as number) << bits;
    bits += width;
    while (bits >= 8) {
      b[pos++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  // The padding values are zeros: what is left is the accumulator's last bits, then zero bytes.
  while (pos < endPos) {
    b[pos++] = acc & 0xff;
    acc >>>= 8;
  }
  out.length = pos;
}

/** PLAIN booleans: one bit per value, LSB first, from values[start, end) of 0/1 bytes. */
export function writeBooleans(out: ByteBuffer, values: Uint8Array, start: number, end: number): void {
  out.reserve((end - start + 7) >>> 3);
  out.length = packBits(out.bytes, out.length, values, start, end);
}

/** Packs 0/1 values eight to a byte, LSB first, into b from pos; returns the position after the last byte. */
function packBits(b: Uint8Array, pos: number, values: Uint8Array | Int32Array, from: number, to: number): number {
  let k = from;
  const whole = from + ((to - from) & ~7);
  for (; k < whole; k += 8) {
    b[pos++] =
      (values[k] as number) |
      ((values[k + 1] as number) << 1) |
      ((values[k + 2] as number) << 2) |
      ((values[k + 3] as number) << 3) |
      ((values[k + 4] as number) << 4) |
      ((values[k + 5] as number) << 5) |
      ((values[k + 6] as number) << 6) |
      ((values[k + 7] as number) << 7);
  }
  if (k < to) {
    let byte = 0;
    for (let bit = 0; k < to; k++, bit++) byte |= (values[k] as number) << bit;
    b[pos++] = byte;
  }
  return pos;
}
