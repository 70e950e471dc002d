// Typed columns the processor fills itself — the raw layer and the lineage columns — straight from the envelopes'
// record lines and per-envelope constants: no string or object per row, just copies into Parquet's PLAIN layout
// (see records/columns.ts).
import type { Field } from '../contracts/model.ts';
import type { LeafVector } from '../records/columns.ts';

/** A top-level column of byte strings (UTF-8), every row present. */
export class BytesColumn {
  private readonly values: Buffer;
  private readonly starts: Int32Array;
  private rows = 0;
  private end = 0;

  /** Room for `rows` values of `bytes` bytes in all (their length prefixes come on top). */
  constructor(rows: number, bytes: number) {
    this.values = Buffer.allocUnsafe(bytes + 4 * rows);
    this.starts = new Int32Array(rows + 1);
  }

  /** Appends source[start, end) as one value. */
  push(source: Buffer, start: number, end: number): void {
    const length = end - start;
    this.values.writeUInt32LE(length, this.end);
    source.copy(this.values, this.end + 4, start, end);
    this.end += 4 + length;
    this.starts[++this.rows] = this.end;
  }

  /** Appends the same value `times` times: its PLAIN form once, then filled in natively. */
  repeat(value: Buffer, times: number): void {
    if (times <= 0) return;
    const width = 4 + value.length;
    const plain = Buffer.allocUnsafe(width);
    plain.writeUInt32LE(value.length, 0);
    value.copy(plain, 4);
    this.values.fill(plain, this.end, this.end + width * times);
    for (let i = 1; i <= times; i++) this.starts[this.rows + i] = this.end + width * i;
    this.rows += times;
    this.end += width * times;
  }

  vector(field: Field, path: readonly string[] = [field.name]): LeafVector {
    const optional = field.nullable || !field.required;
    return {
      field,
      path,
      kind: 'bytes',
      maxDefinitionLevel: optional ? 1 : 0,
      rows: this.rows,
      definitionLevels: optional ? new Uint8Array(this.rows).fill(1) : null,
      count: this.rows,
      values: new Uint8Array(this.values.buffer, this.values.byteOffset, this.end),
      starts: this.starts.subarray(0, this.rows + 1),
    };
  }
}

/** A top-level int64 (or timestamp) column, every row present. */
export function int64Column(field: Field, values: BigInt64Array): LeafVector {
  const optional = field.nullable || !field.required;
  return {
    field,
    path: [field.name],
    kind: 'int64',
    maxDefinitionLevel: optional ? 1 : 0,
    rows: values.length,
    definitionLevels: optional ? new Uint8Array(values.length).fill(1) : null,
    count: values.length,
    values,
    starts: null,
  };
}

/** `value` for every row of a batch, as a byte-string column. */
export function constantBytesColumn(field: Field, rows: number, value: string): LeafVector {
  const bytes = Buffer.from(value, 'utf8');
  const column = new BytesColumn(rows, rows * bytes.length);
  column.repeat(bytes, rows);
  return column.vector(field);
}
