// Orders an aligned ColumnarBatch's rows by the table's sort order, then groups them by partition tuple: the
// columnar counterpart of writer.ts `compareRows`. Keys are applied least significant first, each with a stable
// sort, so rows compare lexicographically by key and then by their position in the batch, as there. Null order
// does not depend on the direction (as there). Numbers (ints, longs, timestamps, decimals, dates, doubles,
// booleans) go through an LSD radix sort on 64-bit order-preserving keys built from the typed values, 11 bits a
// pass, only over the bits that vary (a batch of timestamps spanning a week needs four passes);
// strings through a comparison sort on their UTF-8 bytes. Doubles: -0 equals 0, NaN sorts after every number.
import type { LeafVector } from '../../records/columns.ts';
import { int64Words, rowValues } from './values.ts';

export interface SortKey {
  readonly leaf: LeafVector;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** The batch's rows in sort-key order (stable): row indices, a permutation of 0…rows-1. */
export function sortRows(rows: number, keys: readonly SortKey[]): Int32Array {
  let order: Int32Array = new Int32Array(rows);
  identity(order);
  for (let k = keys.length - 1; k >= 0; k--) order = sortByKey(order, keys[k] as SortKey);
  return order;
}

/**
 * `order` regrouped by partition tuple, stably (a counting sort): group g's rows are out[starts[g]…starts[g+1]),
 * in the order they had in `order`.
 */
export function groupRows(
  order: Int32Array,
  groupOf: Int32Array,
  groups: number,
): { readonly order: Int32Array; readonly starts: Int32Array } {
  const starts = new Int32Array(groups + 1);
  if (groups === 1) {
    starts[1] = order.length;
    return { order, starts };
  }
  const next = new Int32Array(groups);
  countGroups(order, groupOf, next);
  offsets(next);
  starts.set(next);
  starts[groups] = order.length;
  const out = new Int32Array(order.length);
  scatterGroups(order, groupOf, next, out);
  return { order: out, starts };
}

// The hot loops below are functions of their own with nothing after the loop: V8 compiles a long-running loop on
// its own (on-stack replacement) and discards that code, again and again, when code after it has never run.

function countGroups(order: Int32Array, groupOf: Int32Array, counts: Int32Array): void {
  for (let k = 0; k < order.length; k++) (counts[groupOf[order[k] as number] as number] as number)++;
}

function scatterGroups(order: Int32Array, groupOf: Int32Array, next: Int32Array, out: Int32Array): void {
  for (let k = 0; k < order.length; k++) {
    const row = order[k] as number;
    const g = groupOf[row] as number;
    const dest = next[g] as number;
    out[dest] = row;
    next[g] = dest + 1;
  }
}

/** `order` stably sorted by one key: nulls first or last, the rest by value. */
function sortByKey(order: Int32Array, key: SortKey): Int32Array {
  const index = rowValues(key.leaf);
  const n = order.length;
  const present = new Int32Array(n);
  const nulls = new Int32Array(n);
  const p = splitNulls(order, index, present, nulls);
  const q = n - p;
  const sorted =
    key.leaf.kind === 'bytes'
      ? sortBytes(present.subarray(0, p), index, key.leaf, key.descending)
      : radixSort(present.subarray(0, p), index, key.leaf, key.descending);
  if (q === 0) return sorted;
  const out = new Int32Array(n);
  if (key.nullsFirst) {
    out.set(nulls.subarray(0, q), 0);
    out.set(sorted, q);
  } else {
    out.set(sorted, 0);
    out.set(nulls.subarray(0, q), p);
  }
  return out;
}

/** Rows with a value into `present`, null rows into `nulls`, both in order; returns how many have a value. */
function splitNulls(order: Int32Array, index: Int32Array, present: Int32Array, nulls: Int32Array): number {
  let p = 0;
  let q = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k] as number;
    if ((index[row] as number) < 0) nulls[q++] = row;
    else present[p++] = row;
  }
  return p;
}

/** Stable LSD radix sort of rows (all non-null) by their value, as unsigned 64-bit keys (hi, lo). */
function radixSort(rows: Int32Array, index: Int32Array, leaf: LeafVector, descending: boolean): Int32Array {
  const n = rows.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const flip = descending ? 0xffffffff : 0;
  switch (leaf.kind) {
    case 'int32':
      int32Keys(leaf.values as Int32Array, rows, index, flip, hi, lo);
      break;
    case 'int64':
      int64Keys(int64Words(leaf), rows, index, flip, hi, lo);
      break;
    case 'double':
      doubleKeys(leaf.values as Float64Array, rows, index, flip, hi, lo);
      break;
    case 'boolean':
      int32Keys(Int32Array.from(leaf.values as Uint8Array), rows, index, flip, hi, lo);
      break;
    case 'bytes':
      throw new Error('bytes keys are compared, not radix sorted');
  }
  return radixPermute(rows, hi, lo);
}

// Order-preserving unsigned keys: the sign bit flipped for two's complement; for IEEE doubles the sign bit set on
// positives and every bit flipped on negatives; everything flipped again when descending.

function int32Keys(
  v: Int32Array,
  rows: Int32Array,
  index: Int32Array,
  flip: number,
  hi: Uint32Array,
  lo: Uint32Array,
): void {
  for (let k = 0; k < rows.length; k++) {
    hi[k] = ((v[index[rows[k] as number] as number] as number) ^ 0x80000000 ^ flip) >>> 0;
    lo[k] = flip;
  }
}

function int64Keys(
  w: Int32Array,
  rows: Int32Array,
  index: Int32Array,
  flip: number,
  hi: Uint32Array,
  lo: Uint32Array,
): void {
  for (let k = 0; k < rows.length; k++) {
    const i = index[rows[k] as number] as number;
    hi[k] = ((w[2 * i + 1] as number) ^ 0x80000000 ^ flip) >>> 0;
    lo[k] = ((w[2 * i] as number) ^ flip) >>> 0;
  }
}

const doubleScratch = new Float64Array(1);
const wordScratch = new Uint32Array(doubleScratch.buffer);

function doubleKeys(
  v: Float64Array,
  rows: Int32Array,
  index: Int32Array,
  flip: number,
  hi: Uint32Array,
  lo: Uint32Array,
): void {
  for (let k = 0; k < rows.length; k++) {
    const x = v[index[rows[k] as number] as number] as number;
    doubleScratch[0] = x === 0 ? 0 : x; // -0 sorts as 0
    let h = wordScratch[1] as number;
    let l = wordScratch[0] as number;
    if (x !== x) {
      h = 0xffffffff; // NaN (whatever its bits) after every number
      l = 0xffffffff;
    } else if (h >= 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    hi[k] = (h ^ flip) >>> 0;
    lo[k] = (l ^ flip) >>> 0;
  }
}

const DIGIT_BITS = 11;
const DIGIT_SIZE = 1 << DIGIT_BITS;
const DIGIT_MASK = DIGIT_SIZE - 1;

/**
 * `rows` ordered by the unsigned 64-bit keys (hi, lo), stably: LSD radix with 11-bit digits (histograms that
 * stay in cache), only over digits where some key differs from the first. The loops are functions of their own
 * with nothing after them (see take.ts on V8's on-stack replacement).
 */
function radixPermute(rows: Int32Array, hi: Uint32Array, lo: Uint32Array): Int32Array {
  const n = rows.length;
  if (n < 2) return rows.slice();
  const varyLo = varyingBits(lo);
  const varyHi = varyingBits(hi);
  let from = new Int32Array(n);
  let to = new Int32Array(n);
  identity(from);
  const counts = new Int32Array(DIGIT_SIZE);
  for (const [keys, vary] of [
    [lo, varyLo],
    [hi, varyHi],
  ] as const) {
    for (let shift = 0; shift < 32; shift += DIGIT_BITS) {
      if (((vary >>> shift) & DIGIT_MASK) === 0) continue;
      counts.fill(0);
      histogram(keys, shift, counts);
      offsets(counts);
      scatter(keys, shift, counts, from, to);
      const swap = from;
      from = to;
      to = swap;
    }
  }
  gather(rows, from, to);
  return to;
}

function identity(out: Int32Array): void {
  for (let k = 0; k < out.length; k++) out[k] = k;
}

/** The bits in which some key differs from the first. */
function varyingBits(keys: Uint32Array): number {
  const first = keys[0] as number;
  let vary = 0;
  for (let k = 1; k < keys.length; k++) vary |= (keys[k] as number) ^ first;
  return vary;
}

function histogram(keys: Uint32Array, shift: number, counts: Int32Array): void {
  for (let k = 0; k < keys.length; k++) (counts[((keys[k] as number) >>> shift) & DIGIT_MASK] as number)++;
}

/** Counts → the first output position of each digit. */
function offsets(counts: Int32Array): void {
  let sum = 0;
  for (let d = 0; d < counts.length; d++) {
    const c = counts[d] as number;
    counts[d] = sum;
    sum += c;
  }
}

/** One stable pass: the positions in `from`, by their key's digit, into `to`. */
function scatter(keys: Uint32Array, shift: number, next: Int32Array, from: Int32Array, to: Int32Array): void {
  for (let k = 0; k < from.length; k++) {
    const at = from[k] as number;
    const digit = ((keys[at] as number) >>> shift) & DIGIT_MASK;
    const dest = next[digit] as number;
    to[dest] = at;
    next[digit] = dest + 1;
  }
}

/** out[k] = rows[positions[k]]. */
function gather(rows: Int32Array, positions: Int32Array, out: Int32Array): void {
  for (let k = 0; k < positions.length; k++) out[k] = rows[positions[k] as number] as number;
}

/** Stable sort of rows (all non-null) by their UTF-8 bytes, unsigned, ties by position. */
function sortBytes(rows: Int32Array, index: Int32Array, leaf: LeafVector, descending: boolean): Int32Array {
  const v = leaf.values as Uint8Array;
  const starts = leaf.starts as Int32Array;
  const n = rows.length;
  // Each position's value start and end, gathered once.
  const begin = new Int32Array(n);
  const end = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = index[rows[k] as number] as number;
    begin[k] = (starts[i] as number) + 4;
    end[k] = starts[i + 1] as number;
  }
  const positions = new Int32Array(n);
  for (let k = 0; k < n; k++) positions[k] = k;
  const sign = descending ? -1 : 1;
  positions.sort((a, b) => {
    const as = begin[a] as number;
    const bs = begin[b] as number;
    const la = (end[a] as number) - as;
    const lb = (end[b] as number) - bs;
    const m = la < lb ? la : lb;
    for (let k = 0; k < m; k++) {
      const d = (v[as + k] as number) - (v[bs + k] as number);
      if (d !== 0) return sign * d;
    }
    return la !== lb ? sign * (la - lb) : a - b;
  });
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = rows[positions[k] as number] as number;
  return out;
}
