// Gathers rows of a LeafVector into a new one, in a given order: what a sort or a partition split does to typed
// columns. Definition levels are copied per row; the dense values of present rows follow them (int64 as two
// 32-bit words, byte arrays in their PLAIN layout with new `starts`), so no value ever becomes a JS object.
// A caller gathering many slices one after the other (a file's row groups, say, each encoded before the next)
// can pass a TakeScratch: the slices then share its memory instead of allocating their own.
import type { LeafVector } from '../../records/columns.ts';

/**
 * Where each row's value sits among the dense values: for rows at the max definition level, its index in
 * `values`; meaningless for the others. Null for a required leaf, whose row and value indices are the same.
 */
export function valueIndex(leaf: LeafVector): Int32Array | null {
  const levels = leaf.definitionLevels;
  if (leaf.maxDefinitionLevel === 0 || !levels) return null;
  const index = new Int32Array(leaf.rows);
  denseIndex(levels, leaf.maxDefinitionLevel, index);
  return index;
}

/**
 * Memory for the vectors `take` returns, grown as needed and reused: a vector taken into a scratch is valid only
 * until the next take into the same scratch.
 */
export class TakeScratch {
  levels = new Uint8Array(0);
  picks = new Int32Array(0);
  from = new Int32Array(0);
  starts = new Int32Array(0);
  int32 = new Int32Array(0);
  int64 = new BigInt64Array(0);
  double = new Float64Array(0);
  uint8 = new Uint8Array(0);
  bytes = new Uint8Array(0);
}

const MAKE: { readonly [K in keyof TakeScratch]: (length: number) => TakeScratch[K] } = {
  levels: (n) => new Uint8Array(n),
  picks: (n) => new Int32Array(n),
  from: (n) => new Int32Array(n),
  starts: (n) => new Int32Array(n),
  int32: (n) => new Int32Array(n),
  int64: (n) => new BigInt64Array(n),
  double: (n) => new Float64Array(n),
  uint8: (n) => new Uint8Array(n),
  bytes: (n) => new Uint8Array(n),
};

/** A fresh array of `n` elements, or the scratch's (grown to hold `n`, with room to spare). */
function space<K extends keyof TakeScratch>(scratch: TakeScratch | undefined, key: K, n: number): TakeScratch[K] {
  if (!scratch) return MAKE[key](n);
  if (scratch[key].length >= n) return scratch[key];
  const grown = MAKE[key](Math.ceil(n * 1.25) + 16);
  scratch[key] = grown;
  return grown;
}

/**
 * The rows `rows[from..to)` of `leaf`, in that order (a row may be taken more than once). `index` is
 * `valueIndex(leaf)`, which callers taking many slices of one leaf compute once; `scratch`, if given, provides
 * the result's memory (see TakeScratch).
 */
export function take(
  leaf: LeafVector,
  rows: Int32Array,
  from = 0,
  to = rows.length,
  index: Int32Array | null = valueIndex(leaf),
  scratch?: TakeScratch,
): LeafVector {
  const n = to - from;
  const max = leaf.maxDefinitionLevel;
  let levels: Uint8Array | null = null;
  // Dense indices of the values to copy, in output order.
  let picks: Int32Array;
  const dense = max > 0 ? (index ?? valueIndex(leaf)) : null;
  if (dense && leaf.definitionLevels) {
    levels = space(scratch, 'levels', n).subarray(0, n);
    picks = space(scratch, 'picks', n);
    picks = picks.subarray(0, takeLevels(leaf.definitionLevels, max, dense, rows, from, to, levels, picks));
  } else picks = rows.subarray(from, to);
  const count = picks.length;
  const vector = { field: leaf.field, path: leaf.path, kind: leaf.kind, maxDefinitionLevel: max, rows: n };
  switch (leaf.kind) {
    case 'int32': {
      const values = space(scratch, 'int32', count).subarray(0, count);
      takeInt32(leaf.values as Int32Array, picks, values);
      return { ...vector, definitionLevels: levels, count, values, starts: null };
    }
    case 'double': {
      const values = space(scratch, 'double', count).subarray(0, count);
      takeDouble(leaf.values as Float64Array, picks, values);
      return { ...vector, definitionLevels: levels, count, values, starts: null };
    }
    case 'boolean': {
      const values = space(scratch, 'uint8', count).subarray(0, count);
      takeUint8(leaf.values as Uint8Array, picks, values);
      return { ...vector, definitionLevels: levels, count, values, starts: null };
    }
    case 'int64': {
      // Words, not elements: reading a BigInt64Array element makes a BigInt.
      const values = space(scratch, 'int64', count).subarray(0, count);
      const v = leaf.values as BigInt64Array;
      takeWords(
        new Int32Array(v.buffer, v.byteOffset, v.length * 2),
        picks,
        new Int32Array(values.buffer, values.byteOffset, count * 2),
      );
      return { ...vector, definitionLevels: levels, count, values, starts: null };
    }
    case 'bytes':
      return { ...vector, definitionLevels: levels, count, ...takeBytes(leaf, picks, scratch) };
  }
}

/**
 * Byte-array values gathered in passes: where each value comes from and goes (random reads of `starts`); a read
 * of each value's first byte, a loop so short that the processor keeps many of its cache misses in flight (the
 * copy loop, longer, would wait on them a few at a time: this makes the gather about a quarter faster on cold
 * memory); then the copy, whose addresses all come from sequential arrays.
 */
function takeBytes(
  leaf: LeafVector,
  picks: Int32Array,
  scratch: TakeScratch | undefined,
): { values: Uint8Array; starts: Int32Array } {
  const src = leaf.values as Uint8Array;
  const count = picks.length;
  const starts = space(scratch, 'starts', count + 1).subarray(0, count + 1);
  const from = space(scratch, 'from', count);
  const size = gatherStarts(leaf.starts as Int32Array, picks, starts, from);
  starts[count] = size;
  const out = space(scratch, 'bytes', size + 4); // words may spill 3 bytes past the last value
  touched.sum ^= touch(src, from, count);
  if (src.byteLength >= 4) copyWords(src, from, starts, count, out);
  else copyBytes(src, from, starts, count, out);
  return { values: out.subarray(0, size), starts };
}

// Each loop below is alone in its function with nothing after it: V8 compiles a long-running loop on its own
// (on-stack replacement) and discards that code, again and again, when code after the loop has never run.

function denseIndex(levels: Uint8Array, max: number, index: Int32Array): void {
  let next = 0;
  for (let r = 0; r < index.length; r++) {
    index[r] = next;
    next += levels[r] === max ? 1 : 0;
  }
}

/** Copies the rows' levels into `out`, the dense indices of the present ones into `picks`; returns their count. */
function takeLevels(
  source: Uint8Array,
  max: number,
  index: Int32Array,
  rows: Int32Array,
  from: number,
  to: number,
  out: Uint8Array,
  picks: Int32Array,
): number {
  let count = 0;
  // Branch-free (levels are often random): the pick is written every time, and kept when the level is max.
  for (let k = from; k < to; k++) {
    const r = rows[k] as number;
    const level = source[r] as number;
    out[k - from] = level;
    picks[count] = index[r] as number;
    count += ((level ^ max) - 1) >>> 31;
  }
  return count;
}

function takeInt32(src: Int32Array, picks: Int32Array, out: Int32Array): void {
  for (let k = 0; k < picks.length; k++) out[k] = src[picks[k] as number] as number;
}

function takeDouble(src: Float64Array, picks: Int32Array, out: Float64Array): void {
  for (let k = 0; k < picks.length; k++) out[k] = src[picks[k] as number] as number;
}

function takeUint8(src: Uint8Array, picks: Int32Array, out: Uint8Array): void {
  for (let k = 0; k < picks.length; k++) out[k] = src[picks[k] as number] as number;
}

/** int64 values as (low, high) word pairs. */
function takeWords(src: Int32Array, picks: Int32Array, out: Int32Array): void {
  for (let k = 0; k < picks.length; k++) {
    const i = (picks[k] as number) << 1;
    out[k << 1] = src[i] as number;
    out[(k << 1) + 1] = src[i + 1] as number;
  }
}

/** The picked values' places in the gathered buffer (`starts`) and in the source (`from`); returns the size. */
function gatherStarts(srcStarts: Int32Array, picks: Int32Array, starts: Int32Array, from: Int32Array): number {
  let size = 0;
  for (let k = 0; k < picks.length; k++) {
    const i = picks[k] as number;
    const start = srcStarts[i] as number;
    from[k] = start;
    starts[k] = size;
    size += (srcStarts[i + 1] as number) - start;
  }
  return size;
}

/**
 * Values copied 4 bytes at a time (through DataViews: they are not aligned), the last word of each possibly
 * spilling up to 3 bytes past its end, into the next value's place (written next) or the slack after the last.
 */
/** Where touch() leaves its result, so that its reads are not optimised away. */
const touched = { sum: 0 };

function touch(src: Uint8Array, from: Int32Array, count: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) sum += src[from[k] as number] as number;
  return sum;
}

function copyWords(src: Uint8Array, from: Int32Array, starts: Int32Array, count: number, out: Uint8Array): void {
  const source = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const target = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const last = src.byteLength - 4; // the last position a whole word can be read from
  for (let k = 0; k < count; k++) {
    const o = starts[k] as number;
    const n = (starts[k + 1] as number) - o;
    const p = from[k] as number;
    if (p + n <= last) for (let j = 0; j < n; j += 4) target.setUint32(o + j, source.getUint32(p + j));
    else for (let j = 0; j < n; j++) out[o + j] = src[p + j] as number;
  }
}

function copyBytes(src: Uint8Array, from: Int32Array, starts: Int32Array, count: number, out: Uint8Array): void {
  for (let k = 0; k < count; k++) {
    const o = starts[k] as number;
    const n = (starts[k + 1] as number) - o;
    const p = from[k] as number;
    for (let j = 0; j < n; j++) out[o + j] = src[p + j] as number;
  }
}
