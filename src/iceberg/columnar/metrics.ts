// Iceberg data-file metrics from leaf vectors, equal to what metrics.ts `valueMetrics` computes from normalised
// values: value counts (every row, nulls and NaNs included), null counts, NaN counts for doubles, and bounds in
// Iceberg's single-value serialisation (conversions.ts), strings truncated to 16 characters. A file's row groups
// are added in order; bounds follow valueMetrics' rule of keeping the first of equal values (it matters for -0
// and 0 only). The scans read typed arrays; only the final bounds become JS values.
import type { Field } from '../../contracts/model.ts';
import type { ColumnMetaData, Statistics } from '../../parquet/columnar/thrift.ts';
import { int64Bounds } from '../../parquet/columnar/statistics.ts';
import type { LeafVector } from '../../records/columns.ts';
import { toBytes, truncateLower, truncateUpper } from '../conversions.ts';
import { emptyColumnMetrics, type ColumnMetrics } from '../metrics.ts';
import { icebergType } from '../schema.ts';
import { compareBytes, int64At, int64Words } from './values.ts';

const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** Accumulates one leaf column's metrics over a file's row groups. */
class LeafMetrics {
  readonly field: Field;
  readonly type: string;
  rows = 0;
  nulls = 0;
  nans = 0;
  /** Whether a bound has been seen (a non-null, non-NaN value). */
  bounded = false;
  // int32 / double / boolean bounds.
  min = 0;
  max = 0;
  // int64 bounds as words (high signed, low unsigned).
  minHi = 0;
  minLo = 0;
  maxHi = 0;
  maxLo = 0;
  // bytes bounds (copies).
  minBytes: Uint8Array | null = null;
  maxBytes: Uint8Array | null = null;

  constructor(field: Field) {
    this.field = field;
    this.type = icebergType(field.type) as string;
  }

  /** A row group's leaf; `statistics` are the encoder's for its column chunk, if at hand. */
  add(leaf: LeafVector, statistics: Statistics | undefined): void {
    this.rows += leaf.rows;
    this.nulls += leaf.rows - leaf.count;
    const n = leaf.count;
    if (n === 0) return;
    switch (leaf.kind) {
      case 'int32':
        this.addInt32(leaf.values as Int32Array, n);
        return;
      case 'int64':
        this.addInt64(int64Words(leaf), n);
        return;
      case 'double':
        this.addDouble(leaf.values as Float64Array, n);
        return;
      case 'boolean':
        this.addBoolean(leaf.values as Uint8Array, n);
        return;
      case 'bytes':
        // The encoder's min_value/max_value are exactly these bounds (unsigned byte order, values in full) unless
        // it left them out (values over 4 KiB): no second scan.
        if (statistics?.min_value && statistics.max_value)
          this.addByteBounds(statistics.min_value, statistics.max_value);
        else this.addBytes(leaf.values as Uint8Array, leaf.starts as Int32Array, n);
        return;
    }
  }

  private addInt32(v: Int32Array, n: number): void {
    let min = this.bounded ? this.min : (v[0] as number);
    let max = this.bounded ? this.max : min;
    for (let k = 0; k < n; k++) {
      const x = v[k] as number;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    this.min = min;
    this.max = max;
    this.bounded = true;
  }

  private addInt64(w: Int32Array, n: number): void {
    const bounds = int64Bounds(w, null, n);
    const minLo = (bounds[0] as number) >>> 0;
    const minHi = bounds[1] as number;
    const maxLo = (bounds[2] as number) >>> 0;
    const maxHi = bounds[3] as number;
    if (!this.bounded || minHi < this.minHi || (minHi === this.minHi && minLo < this.minLo)) {
      this.minHi = minHi;
      this.minLo = minLo;
    }
    if (!this.bounded || maxHi > this.maxHi || (maxHi === this.maxHi && maxLo > this.maxLo)) {
      this.maxHi = maxHi;
      this.maxLo = maxLo;
    }
    this.bounded = true;
  }

  private addDouble(v: Float64Array, n: number): void {
    let min = this.min;
    let max = this.max;
    let bounded = this.bounded;
    let nans = 0;
    for (let k = 0; k < n; k++) {
      const x = v[k] as number;
      if (x !== x) {
        nans++;
        continue;
      }
      if (!bounded) {
        min = max = x;
        bounded = true;
        continue;
      }
      // Strict comparisons: of equal values (-0 and 0) the first stays, as in valueMetrics.
      if (x < min) min = x;
      if (x > max) max = x;
    }
    this.nans += nans;
    this.min = min;
    this.max = max;
    this.bounded = bounded;
  }

  private addBoolean(v: Uint8Array, n: number): void {
    let ones = 0;
    for (let k = 0; k < n; k++) ones += v[k] as number;
    const min = ones === n ? 1 : 0;
    const max = ones > 0 ? 1 : 0;
    this.min = this.bounded ? Math.min(this.min, min) : min;
    this.max = this.bounded ? Math.max(this.max, max) : max;
    this.bounded = true;
  }

  private addBytes(v: Uint8Array, starts: Int32Array, n: number): void {
    let lo = 0;
    let hi = 0;
    for (let k = 1; k < n; k++) {
      if (compareAt(v, starts, k, lo) < 0) lo = k;
      else if (compareAt(v, starts, k, hi) > 0) hi = k;
    }
    this.addByteBounds(
      v.slice((starts[lo] as number) + 4, starts[lo + 1]),
      v.slice((starts[hi] as number) + 4, starts[hi + 1]),
    );
  }

  private addByteBounds(min: Uint8Array, max: Uint8Array): void {
    if (!this.minBytes || compareBytes(min, this.minBytes) < 0) this.minBytes = min;
    if (!this.maxBytes || compareBytes(max, this.maxBytes) > 0) this.maxBytes = max;
    this.bounded = true;
  }

  /** The lower and upper bound, serialised; undefined where there is none. */
  bounds(): { lower?: Uint8Array; upper?: Uint8Array } {
    if (!this.bounded) return {};
    const type = this.type;
    switch (this.field.type.kind) {
      case 'string': {
        const lower = truncateLower(decoder.decode(this.minBytes ?? EMPTY));
        const upper = truncateUpper(decoder.decode(this.maxBytes ?? EMPTY));
        return {
          lower: toBytes(type, lower),
          ...(upper === undefined ? {} : { upper: toBytes(type, upper) }),
        };
      }
      case 'long':
      case 'timestamp':
      case 'decimal':
        if (this.field.type.kind !== 'decimal' || this.field.type.precision > 9) {
          const words = Int32Array.of(this.minLo | 0, this.minHi, this.maxLo | 0, this.maxHi);
          return { lower: toBytes(type, int64At(words, 0)), upper: toBytes(type, int64At(words, 1)) };
        }
        return { lower: toBytes(type, BigInt(this.min)), upper: toBytes(type, BigInt(this.max)) };
      case 'boolean':
        return { lower: toBytes(type, this.min === 1), upper: toBytes(type, this.max === 1) };
      default:
        return { lower: toBytes(type, this.min), upper: toBytes(type, this.max) };
    }
  }
}

/** Unsigned order of dense byte values a and b of one leaf, past their length prefixes. */
function compareAt(v: Uint8Array, starts: Int32Array, a: number, b: number): number {
  const as = (starts[a] as number) + 4;
  const bs = (starts[b] as number) + 4;
  const la = (starts[a + 1] as number) - as;
  const lb = (starts[b + 1] as number) - bs;
  const n = la < lb ? la : lb;
  for (let k = 0; k < n; k++) {
    const d = (v[as + k] as number) - (v[bs + k] as number);
    if (d !== 0) return d;
  }
  return la - lb;
}

/** Metrics of one data file, fed its row groups' leaves in order (the leaves of the table schema, aligned). */
export class FileMetrics {
  private readonly leaves: LeafMetrics[];

  constructor(fields: readonly Field[]) {
    this.leaves = fields.map((field) => new LeafMetrics(field));
  }

  /** A row group's leaves, with the encoder's column chunk metadata for them if at hand. */
  add(leaves: readonly LeafVector[], columns?: readonly ColumnMetaData[]): void {
    leaves.forEach((leaf, i) => (this.leaves[i] as LeafMetrics).add(leaf, columns?.[i]?.statistics));
  }

  result(): ColumnMetrics {
    const out = emptyColumnMetrics();
    for (const leaf of this.leaves) {
      const id = leaf.field.id;
      out.valueCounts.set(id, BigInt(leaf.rows));
      out.nullValueCounts.set(id, BigInt(leaf.nulls));
      if (leaf.type === 'double' || leaf.type === 'float') out.nanValueCounts.set(id, BigInt(leaf.nans));
      const { lower, upper } = leaf.bounds();
      if (lower) out.lowerBounds.set(id, lower);
      if (upper) out.upperBounds.set(id, upper);
    }
    return out;
  }
}
