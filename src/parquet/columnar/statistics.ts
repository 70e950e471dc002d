// Column-chunk statistics (min, max, null count) in Parquet's orderings: signed for int32/int64 (int64 compared
// as a signed high word, then an unsigned low word, through an Int32Array view: no BigInt per value), IEEE for
// doubles with NaN ignored, unsigned lexicographic for byte arrays (the order UTF8 columns are defined with).
// Bounds are PLAIN-encoded. For a dictionary-encoded column only the dictionary entries are compared.
import type { LeafVector } from '../../records/columns.ts';
import type { Dictionary } from './dictionary.ts';
import type { Statistics } from './thrift.ts';

/** Byte-array bounds longer than this are left out rather than written in full, as Arrow does by default. */
export const MAX_STATISTICS_BYTES = 4096;

// The scans leave their results here: loops that only read typed arrays and write numbers optimise cleanly,
// and the bytes are built once afterwards.
const words = new Int32Array(4);
const doubles = new Float64Array(2);

/**
 * Statistics of a column chunk. min_value/max_value are always written (pyarrow, DuckDB and Trino read those);
 * the deprecated min/max only for signed-order types, since readers that predate min_value compare byte arrays
 * and booleans as signed values and could prune wrongly with unsigned bounds.
 */
export function columnStatistics(leaf: LeafVector, dictionary: Dictionary | null): Statistics {
  const null_count = leaf.rows - leaf.count;
  if (leaf.count === 0) return { null_count };
  const select = dictionary ? dictionary.first : null;
  const n = dictionary ? dictionary.size : leaf.count;
  let min: Uint8Array;
  let max: Uint8Array;
  switch (leaf.kind) {
    case 'int32':
      int32Bounds(leaf.values as Int32Array, select, n);
      min = new Uint8Array(words.slice(0, 1).buffer);
      max = new Uint8Array(words.slice(1, 2).buffer);
      break;
    case 'int64': {
      const v = leaf.values as BigInt64Array;
      int64Bounds(new Int32Array(v.buffer, v.byteOffset, leaf.count * 2), select, n);
      min = new Uint8Array(words.slice(0, 2).buffer);
      max = new Uint8Array(words.slice(2, 4).buffer);
      break;
    }
    case 'double':
      if (!doubleBounds(leaf.values as Float64Array, n)) return { null_count };
      min = new Uint8Array(doubles.slice(0, 1).buffer);
      max = new Uint8Array(doubles.slice(1, 2).buffer);
      break;
    case 'boolean': {
      const ones = countOnes(leaf.values as Uint8Array, n);
      min = Uint8Array.of(ones === n ? 1 : 0);
      max = Uint8Array.of(ones > 0 ? 1 : 0);
      break;
    }
    case 'bytes': {
      const v = leaf.values as Uint8Array;
      const starts = leaf.starts as Int32Array;
      bytesBounds(v, starts, select, n);
      const lo = words[0] as number;
      const hi = words[1] as number;
      min = v.slice((starts[lo] as number) + 4, starts[lo + 1]);
      max = v.slice((starts[hi] as number) + 4, starts[hi + 1]);
      if (min.length > MAX_STATISTICS_BYTES || max.length > MAX_STATISTICS_BYTES) return { null_count };
      break;
    }
  }
  const signed = leaf.kind === 'int32' || leaf.kind === 'int64' || leaf.kind === 'double';
  return signed
    ? { null_count, min, max, min_value: min, max_value: max }
    : { null_count, min_value: min, max_value: max };
}

/** words[0] = min, words[1] = max. */
function int32Bounds(v: Int32Array, select: Int32Array | null, n: number): void {
  let min = 2147483647;
  let max = -2147483648;
  for (let k = 0; k < n; k++) {
    const x = v[select === null ? k : (select[k] as number)] as number;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  words[0] = min;
  words[1] = max;
}

/**
 * Min and max of n int64 values given as (low, high) 32-bit words (of the rows in `select`, or the first n):
 * written to, and returned as, a shared scratch array — [0..1] = min (low, high), [2..3] = max (low, high); read
 * it before the next call.
 */
export function int64Bounds(w: Int32Array, select: Int32Array | null, n: number): Int32Array {
  let minHi = 2147483647;
  let minLo = 0xffffffff;
  let maxHi = -2147483648;
  let maxLo = 0;
  for (let k = 0; k < n; k++) {
    const i = select === null ? k : (select[k] as number);
    const hi = w[2 * i + 1] as number;
    const lo = (w[2 * i] as number) >>> 0;
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
    }
    if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxHi = hi;
      maxLo = lo;
    }
  }
  words[0] = minLo;
  words[1] = minHi;
  words[2] = maxLo;
  words[3] = maxHi;
  return words;
}

/** doubles[0] = min, doubles[1] = max; false when every value is NaN. */
function doubleBounds(v: Float64Array, n: number): boolean {
  let min = Infinity;
  let max = -Infinity;
  let any = false;
  for (let k = 0; k < n; k++) {
    const x = v[k] as number;
    if (x !== x) continue; // NaN has no place in the order
    any = true;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  // The spec's rule for signed zeros: a zero minimum is written as -0, a zero maximum as +0.
  doubles[0] = min === 0 ? -0 : min;
  doubles[1] = max === 0 ? 0 : max;
  return any;
}

function countOnes(v: Uint8Array, n: number): number {
  let ones = 0;
  for (let k = 0; k < n; k++) ones += v[k] as number;
  return ones;
}

/** words[0] = index of the least value, words[1] = index of the greatest. */
function bytesBounds(v: Uint8Array, starts: Int32Array, select: Int32Array | null, n: number): void {
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  let min = select === null ? 0 : (select[0] as number);
  let max = min;
  for (let k = 1; k < n; k++) {
    const i = select === null ? k : (select[k] as number);
    if (compareValues(dv, v, starts, i, min) < 0) min = i;
    else if (compareValues(dv, v, starts, i, max) > 0) max = i;
  }
  words[0] = min;
  words[1] = max;
}

/**
 * Unsigned lexicographic order of values a and b (indices into starts), past their length prefixes: four bytes
 * at a time as big-endian words (whose unsigned order is the bytes' order), then byte by byte.
 */
function compareValues(dv: DataView, v: Uint8Array, starts: Int32Array, a: number, b: number): number {
  const as = (starts[a] as number) + 4;
  const bs = (starts[b] as number) + 4;
  const la = (starts[a + 1] as number) - as;
  const lb = (starts[b + 1] as number) - bs;
  const n = la < lb ? la : lb;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const x = dv.getUint32(as + k);
    const y = dv.getUint32(bs + k);
    if (x !== y) return x < y ? -1 : 1;
  }
  for (; k < n; k++) {
    const d = (v[as + k] as number) - (v[bs + k] as number);
    if (d !== 0) return d;
  }
  return la - lb;
}
