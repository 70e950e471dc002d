// Reading the values of a top-level primitive leaf row by row, for partitioning and sorting: which dense value a
// row holds (or none), int64 values as 32-bit words, and single values decoded to their normalised JS form (only
// for the few values that become partition tuples or bounds).
import type { LeafVector } from '../../records/columns.ts';

/** 2^32: an int64's high word times this plus its unsigned low word is its value (exactly while below 2^53). */
export const TWO_32 = 4294967296;

/** Each row's index among the dense values, or -1 where the row is null (top-level leaves: max level ≤ 1). */
export function rowValues(leaf: LeafVector): Int32Array {
  const rows = leaf.rows;
  const index = new Int32Array(rows);
  const levels = leaf.definitionLevels;
  const max = leaf.maxDefinitionLevel;
  if (max === 0 || !levels) {
    for (let r = 0; r < rows; r++) index[r] = r;
    return index;
  }
  let next = 0;
  for (let r = 0; r < rows; r++) index[r] = levels[r] === max ? next++ : -1;
  return index;
}

/** An int64 leaf's values as (low, high) 32-bit word pairs: no BigInt per value. */
export function int64Words(leaf: LeafVector): Int32Array {
  const v = leaf.values as BigInt64Array;
  return new Int32Array(v.buffer, v.byteOffset, v.length * 2);
}

/** The int64 at dense index i as a BigInt (for the few values that leave the typed arrays). */
export function int64At(words: Int32Array, i: number): bigint {
  return BigInt.asIntN(64, (BigInt(words[2 * i + 1] as number) << 32n) | BigInt((words[2 * i] as number) >>> 0));
}

/** The UTF-8 bytes of dense value i of a bytes leaf (a view, past the length prefix). */
export function bytesAt(leaf: LeafVector, i: number): Uint8Array {
  const starts = leaf.starts as Int32Array;
  return (leaf.values as Uint8Array).subarray((starts[i] as number) + 4, starts[i + 1]);
}

const decoder = new TextDecoder();

/** Dense value i in the normalised form of the leaf's type (what a RecordBatch would hold). */
export function valueAt(leaf: LeafVector, i: number): number | bigint | string | boolean {
  const type = leaf.field.type;
  switch (leaf.kind) {
    case 'bytes':
      return decoder.decode(bytesAt(leaf, i));
    case 'boolean':
      return (leaf.values as Uint8Array)[i] === 1;
    case 'double':
      return (leaf.values as Float64Array)[i] as number;
    case 'int32': {
      const v = (leaf.values as Int32Array)[i] as number;
      return type.kind === 'decimal' ? BigInt(v) : v;
    }
    case 'int64':
      return int64At(int64Words(leaf), i);
  }
}

/** Unsigned lexicographic order of two byte strings (Iceberg's order for strings: their UTF-8 bytes). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let k = 0; k < n; k++) {
    const d = (a[k] as number) - (b[k] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
