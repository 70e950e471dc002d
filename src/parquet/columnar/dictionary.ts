// Dictionary encoding for bytes, int32 and int64 columns. Values are hashed where they lie (bytes in the PLAIN
// buffer, integers through an Int32Array view) into an open-addressing table of entry numbers, with an exact
// compare on collision: no string or BigInt per value. Before building a full dictionary, a random sample
// estimates the distinct count, so that an all-distinct column (UUIDs, timestamps) goes straight to PLAIN.
import type { LeafVector } from '../../records/columns.ts';
import { bitWidth } from './rle.ts';

export interface Dictionary {
  /** Number of entries. */
  readonly size: number;
  /** For each entry, the index of the present value where it first occurs: the dictionary page copies these. */
  readonly first: Int32Array;
  /** For each present value, its entry. */
  readonly indices: Int32Array;
  /** Size of the dictionary page body in PLAIN encoding. */
  readonly pageBytes: number;
}

/** Dictionary pages above this fall back to PLAIN, as in Arrow (its dictionary_pagesize_limit). */
export const DEFAULT_MAX_DICTIONARY_BYTES = 1 << 20;
const SAMPLE = 2048;

interface Scan {
  size: number;
  first: Int32Array;
  pageBytes: number;
}

/**
 * The dictionary for a column when it pays: dictionary + indices at most half the PLAIN size, estimated from a
 * sample for large columns (the estimate is rough, hence the margin), and a dictionary page within `maxBytes`.
 */
export function chooseDictionary(leaf: LeafVector, maxBytes = DEFAULT_MAX_DICTIONARY_BYTES): Dictionary | null {
  const count = leaf.count;
  if (count === 0 || (leaf.kind !== 'bytes' && leaf.kind !== 'int32' && leaf.kind !== 'int64')) return null;
  const plainBytes = plainSize(leaf);
  const sampled = count > SAMPLE * 2;
  if (sampled) {
    const sample = sampleOf(leaf);
    const scanned = scan(sample, maxBytes, null);
    if (!scanned) return null;
    const perValue = plainSize(sample) / SAMPLE;
    const distinct = estimateDistinct(SAMPLE, scanned.size, count);
    const estimate = distinct * perValue + (count * bitWidth(distinct - 1)) / 8;
    if (estimate > plainBytes / 2 || distinct * perValue > maxBytes) return null;
  }
  const indices = new Int32Array(count);
  const full = scan(leaf, maxBytes, indices);
  if (!full) return null;
  // Once built on the sample's promise, any saving keeps the dictionary; without a sample the rule is the same
  // as the sample's (at most half), so that a nearly unique column stays PLAIN.
  const size = full.pageBytes + (count * bitWidth(full.size - 1)) / 8;
  if (sampled ? size >= plainBytes : size > plainBytes / 2) return null;
  return { size: full.size, first: full.first, indices, pageBytes: full.pageBytes };
}

/**
 * SAMPLE present values, one at a random position within each of SAMPLE equal strata: spread like a stride
 * (sorted or clustered data is seen across its range) without a stride's blindness to periodic data.
 */
function sampleOf(leaf: LeafVector): LeafVector {
  const positions = new Int32Array(SAMPLE);
  let seed = 0x2545f491;
  for (let k = 0; k < SAMPLE; k++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
    positions[k] = Math.floor(((k + (seed >>> 0) / 4294967296) * leaf.count) / SAMPLE);
  }
  if (leaf.kind === 'bytes') {
    const v = leaf.values as Uint8Array;
    const starts = leaf.starts as Int32Array;
    let total = 0;
    for (let k = 0; k < SAMPLE; k++) {
      const i = positions[k] as number;
      total += (starts[i + 1] as number) - (starts[i] as number);
    }
    const values = new Uint8Array(total);
    const sampleStarts = new Int32Array(SAMPLE + 1);
    let at = 0;
    for (let k = 0; k < SAMPLE; k++) {
      const i = positions[k] as number;
      const from = starts[i] as number;
      const to = starts[i + 1] as number;
      sampleStarts[k] = at;
      values.set(v.subarray(from, to), at);
      at += to - from;
    }
    sampleStarts[SAMPLE] = at;
    return { ...leaf, rows: SAMPLE, count: SAMPLE, definitionLevels: null, values, starts: sampleStarts };
  }
  const src = leaf.values as Int32Array | BigInt64Array;
  const words = leaf.kind === 'int64' ? 2 : 1;
  const from = new Int32Array(src.buffer, src.byteOffset, leaf.count * words);
  const sampled = new Int32Array(SAMPLE * words);
  for (let k = 0; k < SAMPLE; k++) {
    const i = (positions[k] as number) * words;
    sampled[k * words] = from[i] as number;
    if (words === 2) sampled[k * 2 + 1] = from[i + 1] as number;
  }
  const values = words === 2 ? new BigInt64Array(sampled.buffer) : sampled;
  return { ...leaf, rows: SAMPLE, count: SAMPLE, definitionLevels: null, values };
}

/** PLAIN size of the present values. */
export function plainSize(leaf: LeafVector): number {
  switch (leaf.kind) {
    case 'bytes': {
      const starts = leaf.starts as Int32Array;
      return (starts[leaf.count] as number) - (starts[0] as number);
    }
    case 'int32':
      return leaf.count * 4;
    case 'int64':
    case 'double':
      return leaf.count * 8;
    case 'boolean':
      return (leaf.count + 7) >>> 3;
  }
}

/**
 * Distinct values in the column, from `seen` distinct among `n` sampled: solves D·(1 − e^(−n/D)) = seen, the
 * expectation for uniform draws. No repeat in the sample reads as all distinct.
 */
export function estimateDistinct(n: number, seen: number, count: number): number {
  if (seen >= n) return count;
  let lo = seen;
  let hi = count;
  if (hi * -Math.expm1(-n / hi) < seen) return count;
  for (let k = 0; k < 64 && hi - lo > 0.01; k++) {
    const mid = (lo + hi) / 2;
    if (mid * -Math.expm1(-n / mid) < seen) lo = mid;
    else hi = mid;
  }
  return Math.round(hi);
}

function scan(leaf: LeafVector, maxBytes: number, indices: Int32Array | null): Scan | null {
  switch (leaf.kind) {
    case 'bytes':
      return scanBytes(leaf.values as Uint8Array, leaf.starts as Int32Array, leaf.count, maxBytes, indices);
    case 'int32':
      return scanInt32(leaf.values as Int32Array, leaf.count, maxBytes, indices);
    case 'int64': {
      const v = leaf.values as BigInt64Array;
      const words = new Int32Array(v.buffer, v.byteOffset, leaf.count * 2);
      return scanInt64(words, leaf.count, maxBytes, indices);
    }
    default:
      return null;
  }
}

const INITIAL = 1024;

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}

// Masks for the first bytes of a little-endian word: TAIL[n] keeps n bytes (0-3); WORD0[len] and WORD1[len]
// keep the parts of the first two words that belong to a value of len bytes (len capped at 8).
const TAIL = Int32Array.from({ length: 4 }, (_, n) => (1 << (8 * n)) - 1);
const WORD0 = Int32Array.from({ length: 9 }, (_, n) => (n >= 4 ? -1 : (1 << (8 * n)) - 1));
const WORD1 = Int32Array.from({ length: 9 }, (_, n) => (n >= 8 ? -1 : n <= 4 ? 0 : (1 << (8 * (n - 4))) - 1));

/**
 * Byte arrays are read four bytes at a time through a DataView (unaligned little-endian words). Each entry keeps
 * its hash, length and first two words (zero-padded), which identify values of up to 8 bytes outright; longer
 * ones are compared past those words with the entry's first occurrence. Reading a short value's two words may
 * run into the next value's bytes: masked off, and only done where the buffer has them (else byte by byte).
 */
function scanBytes(
  v: Uint8Array,
  starts: Int32Array,
  count: number,
  maxBytes: number,
  indices: Int32Array | null,
): Scan | null {
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const safe = v.byteLength - 8;
  let capacity = INITIAL;
  let mask = capacity - 1;
  let table = new Int32Array(capacity); // entry + 1; 0 = empty
  let keys = new Int32Array(INITIAL * 2); // per entry: hash, length, word 0, word 1
  let first = new Int32Array(INITIAL >>> 1);
  let size = 0;
  let pageBytes = 0;
  for (let i = 0; i < count; i++) {
    const s = (starts[i] as number) + 4;
    const e = starts[i + 1] as number;
    const len = e - s;
    const head = len < 8 ? len : 8;
    let w0 = 0;
    let w1 = 0;
    if (s <= safe) {
      w0 = dv.getInt32(s, true) & (WORD0[head] as number);
      w1 = dv.getInt32(s + 4, true) & (WORD1[head] as number);
    } else {
      for (let k = (head < 4 ? head : 4) - 1; k >= 0; k--) w0 = (w0 << 8) | (v[s + k] as number);
      for (let k = head - 1; k >= 4; k--) w1 = (w1 << 8) | (v[s + k] as number);
    }
    // Murmur-style mixing of the length and the words.
    let h = Math.imul(len ^ w0, 0x5bd1e995);
    h = Math.imul(h ^ (h >>> 15) ^ w1, 0x5bd1e995);
    if (len > 8) {
      let p = s + 8;
      for (; p + 4 <= e; p += 4) h = Math.imul(h ^ (h >>> 15) ^ dv.getInt32(p, true), 0x5bd1e995);
      if (p < e) {
        let tail = 0;
        if (p <= safe + 4) tail = dv.getInt32(p, true) & (TAIL[e - p] as number);
        else for (let k = e - p - 1; k >= 0; k--) tail = (tail << 8) | (v[p + k] as number);
        h = Math.imul(h ^ (h >>> 15) ^ tail, 0x5bd1e995);
      }
    }
    h ^= h >>> 13;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 16;
    let slot = h & mask;
    let entry = -1;
    for (;;) {
      const found = table[slot] as number;
      if (found === 0) break;
      const c = (found - 1) * 4;
      if (keys[c] === h && keys[c + 1] === len && keys[c + 2] === w0 && keys[c + 3] === w1) {
        if (len <= 8) {
          entry = found - 1;
          break;
        }
        const fs = (starts[first[found - 1] as number] as number) + 4;
        let k = 8;
        while (k + 4 <= len && dv.getInt32(fs + k, true) === dv.getInt32(s + k, true)) k += 4;
        while (k < len && v[fs + k] === v[s + k]) k++;
        if (k >= len) {
          entry = found - 1;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      entry = size++;
      pageBytes += len + 4;
      if (pageBytes > maxBytes) return null;
      if (size > first.length) {
        first = grow(first);
        keys = grow(keys);
      }
      first[entry] = i;
      const c = entry * 4;
      keys[c] = h;
      keys[c + 1] = len;
      keys[c + 2] = w0;
      keys[c + 3] = w1;
      table[slot] = size;
      if (size * 2 > capacity) {
        capacity *= 2;
        mask = capacity - 1;
        table = new Int32Array(capacity);
        for (let k = 0; k < size; k++) {
          let at = (keys[k * 4] as number) & mask;
          while (table[at] !== 0) at = (at + 1) & mask;
          table[at] = k + 1;
        }
      }
    }
    if (indices) indices[i] = entry;
  }
  return { size, first, pageBytes };
}

function scanInt32(v: Int32Array, count: number, maxBytes: number, indices: Int32Array | null): Scan | null {
  let capacity = INITIAL;
  let shift = 32 - Math.log2(capacity);
  let mask = capacity - 1;
  let table = new Int32Array(capacity);
  let first = new Int32Array(INITIAL >>> 1);
  let keys = new Int32Array(INITIAL >>> 1);
  let size = 0;
  const maxEntries = Math.floor(maxBytes / 4);
  for (let i = 0; i < count; i++) {
    const x = v[i] as number;
    let slot = Math.imul(x, 0x9e3779b1) >>> shift;
    let entry = -1;
    for (;;) {
      const found = table[slot] as number;
      if (found === 0) break;
      if (keys[found - 1] === x) {
        entry = found - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      entry = size++;
      if (size > maxEntries) return null;
      if (size > first.length) {
        first = grow(first);
        keys = grow(keys);
      }
      first[entry] = i;
      keys[entry] = x;
      table[slot] = size;
      if (size * 2 > capacity) {
        capacity *= 2;
        shift--;
        mask = capacity - 1;
        table = new Int32Array(capacity);
        for (let k = 0; k < size; k++) {
          let at = Math.imul(keys[k] as number, 0x9e3779b1) >>> shift;
          while (table[at] !== 0) at = (at + 1) & mask;
          table[at] = k + 1;
        }
      }
    }
    if (indices) indices[i] = entry;
  }
  return { size, first, pageBytes: size * 4 };
}

/** int64 values as pairs of 32-bit words (low, high), compared word by word. */
function scanInt64(w: Int32Array, count: number, maxBytes: number, indices: Int32Array | null): Scan | null {
  let capacity = INITIAL;
  let shift = 32 - Math.log2(capacity);
  let mask = capacity - 1;
  let table = new Int32Array(capacity);
  let first = new Int32Array(INITIAL >>> 1);
  let keys = new Int32Array(INITIAL);
  let size = 0;
  const maxEntries = Math.floor(maxBytes / 8);
  for (let i = 0; i < count; i++) {
    const lo = w[2 * i] as number;
    const hi = w[2 * i + 1] as number;
    let slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> shift;
    let entry = -1;
    for (;;) {
      const found = table[slot] as number;
      if (found === 0) break;
      if (keys[2 * found - 2] === lo && keys[2 * found - 1] === hi) {
        entry = found - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (entry < 0) {
      entry = size++;
      if (size > maxEntries) return null;
      if (size > first.length) {
        first = grow(first);
        keys = grow(keys);
      }
      first[entry] = i;
      keys[2 * entry] = lo;
      keys[2 * entry + 1] = hi;
      table[slot] = size;
      if (size * 2 > capacity) {
        capacity *= 2;
        shift--;
        mask = capacity - 1;
        table = new Int32Array(capacity);
        for (let k = 0; k < size; k++) {
          const klo = keys[2 * k] as number;
          const khi = keys[2 * k + 1] as number;
          let at = Math.imul(klo ^ Math.imul(khi, 0x85ebca6b), 0x9e3779b1) >>> shift;
          while (table[at] !== 0) at = (at + 1) & mask;
          table[at] = k + 1;
        }
      }
    }
    if (indices) indices[i] = entry;
  }
  return { size, first, pageBytes: size * 8 };
}
