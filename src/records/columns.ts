// Typed column vectors: the fast record path's output and the columnar Parquet encoder's input. One vector per
// Parquet leaf column (a struct contributes one per member), laid out so that encoding is mostly copying:
//   - definition levels as one byte per row (only when the column is optional somewhere on its path);
//   - values dense, for the rows whose definition level is the maximum (no holes for nulls);
//   - int64 values as a BigInt64Array whose memory is already Parquet's PLAIN layout (little-endian);
//   - byte arrays (strings) already in PLAIN layout: a u32 little-endian length, then the bytes, per value.
import type { Field } from '../contracts/model.ts';

export type LeafKind = 'int32' | 'int64' | 'double' | 'boolean' | 'bytes';

export interface LeafVector {
  /** The leaf field (its `id` is the Parquet field_id; its `type` the logical type). */
  readonly field: Field;
  /** Names from the top-level field down to this leaf, e.g. ['properties', 'page']. */
  readonly path: readonly string[];
  readonly kind: LeafKind;
  /** Parquet max definition level: the number of optional fields on the path (0 = required all the way). */
  readonly maxDefinitionLevel: number;
  /** Rows in the batch (present or not). */
  readonly rows: number;
  /** One level per row (0…maxDefinitionLevel); null when maxDefinitionLevel is 0. */
  readonly definitionLevels: Uint8Array | null;
  /** Values present (rows whose level equals maxDefinitionLevel). */
  readonly count: number;
  /**
   * The present values, densely: int32/date/decimal(p ≤ 9) → Int32Array; int64/timestamp/decimal(p ≤ 18) →
   * BigInt64Array; double → Float64Array; boolean → Uint8Array of 0/1; bytes → the PLAIN buffer below.
   * Typed arrays may be longer than `count` (builders over-allocate); only the first `count` entries count.
   */
  readonly values: Int32Array | BigInt64Array | Float64Array | Uint8Array;
  /** bytes only: where each value's length prefix starts in `values`; count + 1 entries (the last is the end). */
  readonly starts: Int32Array | null;
}

/** A batch of rows as leaf vectors, in the order of the contract's Parquet schema (depth first). */
export interface ColumnarBatch {
  /** Top-level fields, as in the Parquet schema (`contract.fields`, derived columns included). */
  readonly fields: readonly Field[];
  readonly rows: number;
  readonly leaves: readonly LeafVector[];
}
