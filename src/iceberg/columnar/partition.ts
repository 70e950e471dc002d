// Splits an aligned ColumnarBatch's rows by partition tuple, the columnar counterpart of the grouping in
// writer.ts `writeColumns`: same transforms (partition.ts), same partition values, groups numbered in the order
// of their first row. Time transforms are computed from the typed values: an int64 timestamp's high and low words
// make an exact float after a shift by the power of two in the divisor (86,400,000,000 = 2^13 · 10,546,875), so
// day(timestamp) costs a few float operations per row and allocates nothing per row. Identity partitions on
// strings, booleans and doubles decode each value (not the hot path).
import { LakehouseError } from '../../errors.ts';
import type { ColumnarBatch, LeafVector } from '../../records/columns.ts';
import type { BoundPartitionField } from '../partition.ts';
import type { PartitionValues } from '../types.ts';
import { unalignable } from './align.ts';
import { int64At, int64Words, rowValues, TWO_32, valueAt } from './values.ts';

type PartitionValue = number | bigint | string | boolean | null;

export interface RowPartitions {
  /** Number of partition tuples. */
  readonly groups: number;
  /** Each row's tuple, 0…groups-1, numbered in order of first appearance. */
  readonly groupOf: Int32Array;
  /** Each tuple's values, keyed by partition field name (as writer.ts builds them). */
  readonly values: readonly PartitionValues[];
}

/** A partition field's value per row, as codes 0…n-1 in order of first appearance, and the value of each code. */
interface Codes {
  readonly codes: Int32Array;
  readonly values: PartitionValue[];
}

export function partitionRows(batch: ColumnarBatch, bound: readonly BoundPartitionField[]): RowPartitions {
  const rows = batch.rows;
  if (bound.length === 0) return { groups: 1, groupOf: new Int32Array(rows), values: [{}] };
  const fields = bound.map((p) => fieldCodes(sourceLeaf(batch, p), p));
  let combined = fields[0] as Codes;
  for (let k = 1; k < fields.length; k++) combined = combine(combined, fields[k] as Codes);
  const groups = combined.values.length;
  // The first row of each tuple tells every field's value for it.
  const first = new Int32Array(groups).fill(-1);
  firstRows(combined.codes, first);
  const values: PartitionValues[] = [];
  for (let g = 0; g < groups; g++) {
    const row = first[g] as number;
    const tuple: Record<string, PartitionValue> = {};
    bound.forEach((p, k) => {
      const f = fields[k] as Codes;
      tuple[p.field.name] = f.values[f.codes[row] as number] ?? null;
    });
    values.push(tuple);
  }
  return { groups, groupOf: combined.codes, values };
}

// The loops over rows below are each alone in a function, with nothing after them (see take.ts on V8's
// on-stack replacement).

function firstRows(codes: Int32Array, first: Int32Array): void {
  for (let r = 0; r < codes.length; r++) {
    const g = codes[r] as number;
    if ((first[g] as number) < 0) first[g] = r;
  }
}

function sourceLeaf(batch: ColumnarBatch, p: BoundPartitionField): LeafVector {
  const id = p.field['source-id'];
  const leaf = batch.leaves.find((l) => l.field.id === id && l.path.length === 1);
  if (!leaf) throw unalignable(`partition source ${p.sourceName} (id ${id}) is not a primitive column`, p.sourceName);
  return leaf;
}

function fieldCodes(leaf: LeafVector, p: BoundPartitionField): Codes {
  const { transform } = p.field;
  const index = rowValues(leaf);
  if (transform === 'identity') {
    if (leaf.kind === 'int32') {
      const codes = numberCodes(int32Numbers(leaf.values as Int32Array, index));
      // Partition values as the row path holds them: decimals as unscaled bigints.
      const decimal = leaf.field.type.kind === 'decimal';
      return decimal ? { ...codes, values: codes.values.map((x) => (x === null ? null : BigInt(x))) } : codes;
    }
    if (leaf.kind === 'int64') return int64Codes(leaf, index);
    return decodedCodes(leaf, index);
  }
  const source = p.sourceType;
  if (transform !== 'day' && transform !== 'hour' && transform !== 'month' && transform !== 'year')
    throw new LakehouseError('UNSUPPORTED_FORMAT', `unsupported partition transform "${transform}"`);
  let numbers: Float64Array;
  if (source === 'timestamptz' && leaf.kind === 'int64') {
    // hour: 3,600,000,000 = 2^10 · 3,515,625; day: 86,400,000,000 = 2^13 · 10,546,875.
    numbers = new Float64Array(leaf.rows);
    if (transform === 'hour') floorDivide(int64Words(leaf), index, 10, 3515625, numbers);
    else floorDivide(int64Words(leaf), index, 13, 10546875, numbers);
  } else if (source === 'date' && leaf.kind === 'int32') {
    if (transform === 'hour') throw new LakehouseError('CONTRACT', 'hour transform needs a timestamp source');
    numbers = int32Numbers(leaf.values as Int32Array, index);
  } else throw new LakehouseError('CONTRACT', `transform ${transform} needs a date or timestamp source`);
  if (transform === 'month' || transform === 'year') civilTransform(numbers, transform === 'month');
  return numberCodes(numbers);
}

/** Each row's int32 value as a number, NaN for null rows. */
function int32Numbers(v: Int32Array, index: Int32Array): Float64Array {
  const out = new Float64Array(index.length);
  fillInt32Numbers(v, index, out);
  return out;
}

function fillInt32Numbers(v: Int32Array, index: Int32Array, out: Float64Array): void {
  for (let r = 0; r < index.length; r++) {
    const i = index[r] as number;
    out[r] = i < 0 ? NaN : (v[i] as number);
  }
}

/**
 * floor(x / (2^shift · d)) of each row's int64 x (microseconds), NaN for null rows. That is floor(floor(x / 2^shift)
 * / d), and floor(x / 2^shift) is hi · 2^(32 - shift) + (lo >>> shift): exact in a double for any int64 (shift ≥ 10),
 * as is the quotient's remainder check. No BigInt, no allocation per row.
 */
function floorDivide(words: Int32Array, index: Int32Array, shift: number, d: number, out: Float64Array): void {
  const scale = 2 ** (32 - shift);
  for (let r = 0; r < index.length; r++) {
    const i = index[r] as number;
    if (i < 0) {
      out[r] = NaN;
      continue;
    }
    const y = (words[2 * i + 1] as number) * scale + ((words[2 * i] as number) >>> shift);
    let q = Math.floor(y / d);
    const rest = y - q * d;
    if (rest < 0) q--;
    else if (rest >= d) q++;
    out[r] = q;
  }
}

/** Days since the epoch → years or months since 1970, in place (proleptic Gregorian, as Date computes it). */
function civilTransform(days: Float64Array, months: boolean): void {
  let lastDay = NaN;
  let last = NaN;
  for (let r = 0; r < days.length; r++) {
    const day = days[r] as number;
    if (day !== day) continue;
    if (day !== lastDay) {
      lastDay = day;
      last = civil(day, months);
    }
    days[r] = last;
  }
}

/** Years (or months) since 1970-01 of a day number: H. Hinnant's civil_from_days. */
function civil(days: number, months: boolean): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return months ? (year - 1970) * 12 + month - 1 : year - 1970;
}

/** Codes of integral numbers (NaN = null): through a table over their range when it is small, else a Map. */
function numberCodes(numbers: Float64Array): Codes {
  const codes = new Int32Array(numbers.length);
  const values: PartitionValue[] = [];
  const min = minimum(numbers);
  const range = maximum(numbers) - min + 1;
  if (range <= Math.min(1 << 20, 4 * numbers.length + 1024)) {
    tableCodes(numbers, min, new Int32Array(Math.max(0, range)).fill(-1), codes, values);
  } else mapCodes(numbers, codes, values);
  return { codes, values };
}

/** The least number (NaN, a null row, compares false: skipped); Infinity if there is none. */
function minimum(numbers: Float64Array): number {
  let min = Infinity;
  for (let r = 0; r < numbers.length; r++) {
    const x = numbers[r] as number;
    if (x < min) min = x;
  }
  return min;
}

function maximum(numbers: Float64Array): number {
  let max = -Infinity;
  for (let r = 0; r < numbers.length; r++) {
    const x = numbers[r] as number;
    if (x > max) max = x;
  }
  return max;
}

/** Codes through `table` (value - min → code, -1 for none yet); values appended in order of first appearance. */
function tableCodes(
  numbers: Float64Array,
  min: number,
  table: Int32Array,
  codes: Int32Array,
  values: PartitionValue[],
): void {
  let nullCode = -1;
  for (let r = 0; r < numbers.length; r++) {
    const x = numbers[r] as number;
    if (x !== x) {
      if (nullCode < 0) nullCode = values.push(null) - 1;
      codes[r] = nullCode;
      continue;
    }
    let c = table[x - min] as number;
    if (c < 0) table[x - min] = c = values.push(x) - 1;
    codes[r] = c;
  }
}

function mapCodes(numbers: Float64Array, codes: Int32Array, values: PartitionValue[]): void {
  const map = new Map<number, number>();
  let nullCode = -1;
  for (let r = 0; r < numbers.length; r++) {
    const x = numbers[r] as number;
    if (x !== x) {
      if (nullCode < 0) nullCode = values.push(null) - 1;
      codes[r] = nullCode;
      continue;
    }
    let c = map.get(x);
    if (c === undefined) map.set(x, (c = values.push(x) - 1));
    codes[r] = c;
  }
}

/** Identity on int64 columns (long, timestamp, decimal): exact float keys where they fit, BigInts beyond. */
function int64Codes(leaf: LeafVector, index: Int32Array): Codes {
  const words = int64Words(leaf);
  const codes = new Int32Array(leaf.rows);
  const values: PartitionValue[] = [];
  const map = new Map<number | bigint, number>();
  let nullCode = -1;
  for (let r = 0; r < leaf.rows; r++) {
    const i = index[r] as number;
    if (i < 0) {
      if (nullCode < 0) nullCode = values.push(null) - 1;
      codes[r] = nullCode;
      continue;
    }
    const hi = words[2 * i + 1] as number;
    const key = hi >= -2097152 && hi < 2097152 ? hi * TWO_32 + ((words[2 * i] as number) >>> 0) : int64At(words, i);
    let c = map.get(key);
    if (c === undefined) map.set(key, (c = values.push(int64At(words, i)) - 1));
    codes[r] = c;
  }
  return { codes, values };
}

/** Identity on strings, booleans and doubles: each value decoded and looked up. */
function decodedCodes(leaf: LeafVector, index: Int32Array): Codes {
  const codes = new Int32Array(leaf.rows);
  const values: PartitionValue[] = [];
  const map = new Map<PartitionValue, number>();
  let nullCode = -1;
  for (let r = 0; r < leaf.rows; r++) {
    const i = index[r] as number;
    if (i < 0) {
      if (nullCode < 0) nullCode = values.push(null) - 1;
      codes[r] = nullCode;
      continue;
    }
    const value = valueAt(leaf, i);
    let c = map.get(value);
    if (c === undefined) map.set(value, (c = values.push(value) - 1));
    codes[r] = c;
  }
  return { codes, values };
}

/** Codes of the pairs (a, b), in order of first appearance; `values` only counts them. */
function combine(a: Codes, b: Codes): Codes {
  const rows = a.codes.length;
  const width = b.values.length;
  const codes = new Int32Array(rows);
  const map = new Map<number, number>();
  const values: PartitionValue[] = [];
  for (let r = 0; r < rows; r++) {
    const key = (a.codes[r] as number) * width + (b.codes[r] as number);
    let c = map.get(key);
    if (c === undefined) map.set(key, (c = values.push(null) - 1));
    codes[r] = c;
  }
  return { codes, values };
}
