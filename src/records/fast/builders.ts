// Growable typed column builders for the fast path: one per Parquet leaf, filled row by row by the scanners,
// checked column by column, compacted in place (rejected and duplicate rows removed in runs, not one by one),
// and handed to the Parquet encoder as LeafVectors without copying. Reused across chunks: no allocation in the
// steady state.
import type { LeafVector } from '../columns.ts';
import type { Normalised, NormalisedStruct } from '../values.ts';
import type { LeafPlan } from './plan.ts';

const TWO_32 = 4294967296;
const FOLD_NONE = 0;
export const FOLD_UPPER = 1;
export const FOLD_LOWER = 2;
export type Fold = typeof FOLD_NONE | typeof FOLD_UPPER | typeof FOLD_LOWER;

export class LeafBuilder {
  readonly plan: LeafPlan;
  readonly maxDef: number;
  rows = 0;
  count = 0;
  byteEnd = 0;
  defs: Uint8Array;
  /** Value index at the start of each row (rows + 1 entries). */
  rowValue: Int32Array;
  i32: Int32Array = new Int32Array(0);
  f64: Float64Array = new Float64Array(0);
  /** int64 values as (low, high) 32-bit words: the memory of a little-endian BigInt64Array. */
  words: Int32Array = new Int32Array(0);
  bool: Uint8Array = new Uint8Array(0);
  bytes: Uint8Array = new Uint8Array(0);
  /** bytes: start of each value's length prefix (count + 1 entries). */
  starts: Int32Array = new Int32Array(1);
  /** A DataView of `bytes` (replaced with it). */
  bytesView: DataView = new DataView(new ArrayBuffer(0));

  constructor(plan: LeafPlan, capacity: number) {
    this.plan = plan;
    this.maxDef = plan.maxDefinitionLevel;
    this.defs = new Uint8Array(this.maxDef ? capacity : 0);
    this.rowValue = new Int32Array(capacity + 1);
    switch (plan.kind) {
      case 'int32':
        this.i32 = new Int32Array(capacity);
        break;
      case 'int64':
        this.words = new Int32Array(capacity * 2);
        break;
      case 'double':
        this.f64 = new Float64Array(capacity);
        break;
      case 'boolean':
        this.bool = new Uint8Array(capacity);
        break;
      case 'bytes':
        this.bytes = new Uint8Array(capacity * 16);
        this.bytesView = new DataView(this.bytes.buffer);
        this.starts = new Int32Array(capacity + 1);
        break;
    }
  }

  /** Empties the builder, keeping (or growing to) `capacity` rows. */
  reset(capacity: number): void {
    this.rows = 0;
    this.count = 0;
    this.byteEnd = 0;
    if (this.rowValue.length < capacity + 1) {
      const grown = new LeafBuilder(this.plan, capacity);
      Object.assign(this, { ...grown, plan: this.plan });
    }
  }

  /** Undo everything appended from row `row` on (a record that left the fast path half way). */
  truncate(row: number): void {
    if (this.rows <= row) return;
    this.rows = row;
    this.count = this.rowValue[row] as number;
    if (this.plan.kind === 'bytes') this.byteEnd = this.starts[this.count] as number;
  }

  appendNull(level: number): void {
    const r = this.rows;
    this.rowValue[r] = this.count;
    this.defs[r] = level;
    this.rows = r + 1;
    this.rowValue[r + 1] = this.count;
  }

  private present(): number {
    const r = this.rows;
    this.rowValue[r] = this.count;
    if (this.maxDef) this.defs[r] = this.maxDef;
    this.rows = r + 1;
    return this.count++;
  }

  private done(): void {
    this.rowValue[this.rows] = this.count;
  }

  int32(value: number): void {
    const k = this.present();
    this.i32[k] = value;
    this.done();
  }

  /** An integer with |value| < 2^53, stored as int64. */
  int64(value: number): void {
    const k = this.present();
    const high = Math.floor(value / TWO_32);
    this.words[2 * k] = value - high * TWO_32;
    this.words[2 * k + 1] = high;
    this.done();
  }

  int64Big(value: bigint): void {
    const k = this.present();
    new BigInt64Array(this.words.buffer, this.words.byteOffset, this.words.length >> 1)[k] = value;
    this.done();
  }

  double(value: number): void {
    const k = this.present();
    this.f64[k] = value;
    this.done();
  }

  boolean(value: boolean): void {
    const k = this.present();
    this.bool[k] = value ? 1 : 0;
    this.done();
  }

  /**
   * Appends source bytes [start, end) as one string value (u32 length prefix, then the bytes, case-folded).
   * `view` is a DataView of all of `source`: short values are copied 4 bytes at a time through it.
   */
  bytesFrom(source: Uint8Array, start: number, end: number, fold: Fold, view?: DataView): void {
    const length = end - start;
    let at = this.byteEnd;
    // 3 bytes of slack: a word copy may write up to 3 bytes past the value (overwritten by the next one).
    if (at + length + 7 > this.bytes.length) this.growBytes(at + length + 7);
    const k = this.present();
    const out = this.bytes;
    const target = this.bytesView;
    target.setUint32(at, length, true);
    at += 4;
    if (fold === FOLD_NONE) {
      if (length > 64) out.set(source.subarray(start, end), at);
      else if (view && end + 3 < view.byteLength)
        for (let i = 0; i < length; i += 4) target.setInt32(at + i, view.getInt32(start + i, true), true);
      else for (let i = start; i < end; i++) out[at + i - start] = source[i] as number;
    } else if (fold === FOLD_UPPER) {
      for (let i = start; i < end; i++) {
        const c = source[i] as number;
        out[at + i - start] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
      }
    } else {
      for (let i = start; i < end; i++) {
        const c = source[i] as number;
        out[at + i - start] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
      }
    }
    this.byteEnd = at + length;
    this.starts[k + 1] = this.byteEnd;
    this.done();
  }

  bytesOfString(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    if (this.byteEnd + length + 7 > this.bytes.length) this.growBytes(this.byteEnd + length + 7);
    const k = this.present();
    const at = this.starts[k] as number;
    this.bytesView.setUint32(at, length, true);
    Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length).write(text, at + 4, 'utf8');
    this.byteEnd = at + 4 + length;
    this.starts[k + 1] = this.byteEnd;
    this.done();
  }

  private growBytes(needed: number): void {
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.byteEnd));
    this.bytes = grown;
    this.bytesView = new DataView(grown.buffer);
  }

  /** A general-path value (normalised) for this leaf; `null` means absent at `nullLevel`. */
  appendNormalised(value: Normalised, nullLevel: number): void {
    if (value === null) return this.appendNull(nullLevel);
    switch (this.plan.kind) {
      case 'int32':
        return this.int32(value as number);
      case 'int64':
        return this.int64Big(value as bigint);
      case 'double':
        return this.double(value as number);
      case 'boolean':
        return this.boolean(value as boolean);
      case 'bytes':
        return this.bytesOfString(value as string);
    }
  }

  /** The int64 value at `k` as a number (exact below 2^53: timestamps, keys). */
  int64At(k: number): number {
    return (this.words[2 * k + 1] as number) * TWO_32 + ((this.words[2 * k] as number) >>> 0);
  }

  /** Row r as the general path's normalised value (for messages and tests; not for the hot path). */
  normalisedAt(r: number): Normalised {
    if (this.maxDef && this.defs[r] !== this.maxDef) return null;
    const k = this.rowValue[r] as number;
    switch (this.plan.kind) {
      case 'int32':
        return this.i32[k] as number;
      case 'int64':
        return new BigInt64Array(this.words.buffer, this.words.byteOffset, this.words.length >> 1)[k] as bigint;
      case 'double':
        return this.f64[k] as number;
      case 'boolean':
        return this.bool[k] === 1;
      case 'bytes': {
        const at = (this.starts[k] as number) + 4;
        return Buffer.from(this.bytes.buffer, this.bytes.byteOffset).toString('utf8', at, this.starts[k + 1]);
      }
    }
  }

  /** Keeps the rows whose `keep` byte is 1, moving runs of kept rows left in place. */
  compact(keep: Uint8Array): void {
    const rows = this.rows;
    const kind = this.plan.kind;
    // A value in every row: rowValue is the identity before and after, so it needs no rewriting.
    const identity = this.count === rows;
    let outRow = 0;
    let outValue = 0;
    let outByte = 0;
    let r = 0;
    while (r < rows) {
      if (!keep[r]) {
        r++;
        continue;
      }
      const a = r;
      while (r < rows && keep[r]) r++;
      const b = r;
      const va = this.rowValue[a] as number;
      const vb = this.rowValue[b] as number;
      const runBytes = kind === 'bytes' ? (this.starts[vb] as number) - (this.starts[va] as number) : 0;
      if (outRow !== a) {
        if (this.maxDef) this.defs.copyWithin(outRow, a, b);
        if (!identity)
          for (let i = a; i < b; i++) this.rowValue[outRow + i - a] = (this.rowValue[i] as number) - va + outValue;
        switch (kind) {
          case 'int32':
            this.i32.copyWithin(outValue, va, vb);
            break;
          case 'int64':
            this.words.copyWithin(2 * outValue, 2 * va, 2 * vb);
            break;
          case 'double':
            this.f64.copyWithin(outValue, va, vb);
            break;
          case 'boolean':
            this.bool.copyWithin(outValue, va, vb);
            break;
          case 'bytes': {
            const bs = this.starts[va] as number;
            const be = this.starts[vb] as number;
            this.bytes.copyWithin(outByte, bs, be);
            for (let k = va; k < vb; k++) this.starts[outValue + k - va] = (this.starts[k] as number) - bs + outByte;
            break;
          }
        }
      }
      outByte += runBytes;
      outRow += b - a;
      outValue += vb - va;
    }
    this.rows = outRow;
    this.count = outValue;
    this.rowValue[outRow] = outValue;
    if (kind === 'bytes') {
      this.byteEnd = outByte;
      this.starts[outValue] = outByte;
    }
  }

  vector(): LeafVector {
    const kind = this.plan.kind;
    const values =
      kind === 'int32'
        ? this.i32
        : kind === 'int64'
          ? new BigInt64Array(this.words.buffer, this.words.byteOffset, this.count)
          : kind === 'double'
            ? this.f64
            : kind === 'boolean'
              ? this.bool
              : this.bytes.subarray(0, this.byteEnd);
    return {
      field: this.plan.field,
      path: this.plan.path,
      kind,
      maxDefinitionLevel: this.maxDef,
      rows: this.rows,
      definitionLevels: this.maxDef ? this.defs.subarray(0, this.rows) : null,
      count: this.count,
      values,
      starts: kind === 'bytes' ? this.starts.subarray(0, this.count + 1) : null,
    };
  }
}

/** Splits a general-path row (aligned with contract.fields) into the leaf builders of a fast plan. */
export function appendNormalisedRow(
  builders: readonly LeafBuilder[],
  row: readonly Normalised[],
  fieldLeaves: readonly {
    readonly leaf: number;
    readonly members: readonly { readonly leaf: number; readonly name: string }[];
  }[],
  structOptional: readonly boolean[],
): void {
  for (let i = 0; i < fieldLeaves.length; i++) {
    const plan = fieldLeaves[i] as (typeof fieldLeaves)[number];
    const value = row[i] ?? null;
    if (plan.members.length === 0) {
      (builders[plan.leaf] as LeafBuilder).appendNormalised(value, 0);
      continue;
    }
    const struct = value as NormalisedStruct | null;
    const parentLevel = structOptional[i] ? 1 : 0;
    for (const member of plan.members) {
      const builder = builders[member.leaf] as LeafBuilder;
      if (struct === null) builder.appendNull(0);
      else builder.appendNormalised(struct[member.name] ?? null, parentLevel);
    }
  }
}
