// Converts the general record path's row-normalised RecordBatch into leaf vectors, so that batches built the
// old way can use the columnar encoder too. Not the hot path, but one linear pass per leaf: values go straight
// into typed arrays (strings UTF-8 encoded in place, bigints stored without conversion).
import type { Field } from '../../contracts/model.ts';
import { LakehouseError } from '../../errors.ts';
import type { ColumnarBatch, LeafKind, LeafVector } from '../../records/columns.ts';
import type { RecordBatch } from '../../records/batch.ts';
import type { Normalised } from '../../records/values.ts';
import { isOptional } from '../schema.ts';

/** The leaf kind of a primitive field, per the physical types of schema.ts; throws for what is not supported. */
export function leafKind(field: Field, path: readonly string[]): LeafKind {
  const type = field.type;
  switch (type.kind) {
    case 'string':
      return 'bytes';
    case 'int':
    case 'date':
      return 'int32';
    case 'long':
    case 'timestamp':
      return 'int64';
    case 'double':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'decimal':
      if (type.precision <= 9) return 'int32';
      if (type.precision <= 18) return 'int64';
      throw unsupported(`decimal(${type.precision},${type.scale}) column ${path.join('.')}`, path);
    case 'list':
      throw unsupported(`list column ${path.join('.')}`, path);
    case 'struct':
      throw new LakehouseError('INTERNAL', `struct ${path.join('.')} is not a leaf`);
  }
}

function unsupported(what: string, path: readonly string[]): LakehouseError {
  return new LakehouseError(
    'UNSUPPORTED_FORMAT',
    `${what} is not supported by the columnar Parquet encoder (use encodeParquet)`,
    { path: path.join('.') },
  );
}

/** The chains of fields from each top-level field down to its leaves, depth first (the Parquet leaf order). */
function leafChains(fields: readonly Field[]): Field[][] {
  const chains: Field[][] = [];
  const visit = (field: Field, above: readonly Field[]): void => {
    const chain = [...above, field];
    if (field.type.kind === 'struct') for (const member of field.type.fields) visit(member, chain);
    else {
      leafKind(
        field,
        chain.map((f) => f.name),
      ); // throws early, before any work, for unsupported types
      chains.push(chain);
    }
  };
  for (const field of fields) visit(field, []);
  return chains;
}

export function columnarFromRecordBatch(
  batch: RecordBatch,
  fields: readonly Field[] = batch.contract.fields,
): ColumnarBatch {
  const leaves = leafChains(fields).map((chain) => leafVector(batch, chain));
  return { fields, rows: batch.length, leaves };
}

function leafVector(batch: RecordBatch, chain: readonly Field[]): LeafVector {
  const rows = batch.length;
  const top = chain[0] as Field;
  const field = chain[chain.length - 1] as Field;
  const path = chain.map((f) => f.name);
  const kind = leafKind(field, path);
  const optional = chain.map(isOptional);
  const maxDefinitionLevel = optional.filter(Boolean).length;
  const levels = maxDefinitionLevel > 0 ? new Uint8Array(rows) : null;
  const column = batch.columns.get(top.name);
  const sink = new ValueSink(kind, rows, kind === 'bytes' ? estimateBytes(column, path, rows) : 0);
  const depth = chain.length;
  for (let r = 0; r < rows; r++) {
    let value: Normalised = column ? (column[r] ?? null) : null;
    let level = 0;
    let k = 0;
    for (; k < depth; k++) {
      if (k > 0) {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw malformed(path, r, `${path.slice(0, k).join('.')} is not a struct`);
        value = value[path[k] as string] ?? null;
      }
      if (value === null) break;
      if (optional[k]) level++;
    }
    if (k < depth) {
      if (!optional[k]) throw malformed(path, r, `required ${path.slice(0, k + 1).join('.')} is null`);
      (levels as Uint8Array)[r] = level;
    } else {
      if (levels) levels[r] = level;
      sink.push(value, path, r);
    }
  }
  return {
    field,
    path,
    kind,
    maxDefinitionLevel,
    rows,
    definitionLevels: levels,
    count: sink.count,
    values: sink.values(),
    starts: sink.starts,
  };
}

function malformed(path: readonly string[], row: number, what: string): LakehouseError {
  return new LakehouseError('INTERNAL', `record batch row ${row}, column ${path.join('.')}: ${what}`, {
    path: path.join('.'),
    row,
  });
}

/** PLAIN bytes a string leaf will take, from up to 256 rows spread over the batch (ASCII assumed; it grows). */
function estimateBytes(column: readonly Normalised[] | undefined, path: readonly string[], rows: number): number {
  if (!column || rows === 0) return 1024;
  const step = Math.max(1, Math.floor(rows / 256));
  let seen = 0;
  let units = 0;
  for (let r = 0; r < rows; r += step) {
    let value: Normalised = column[r] ?? null;
    for (let k = 1; k < path.length && value !== null; k++)
      value = typeof value === 'object' && !Array.isArray(value) ? (value[path[k] as string] ?? null) : null;
    seen++;
    if (typeof value === 'string') units += 4 + value.length;
  }
  return Math.ceil((units / seen) * rows * 1.1) + 1024;
}

/** Dense present values of one leaf, in the typed array its kind calls for. */
class ValueSink {
  count = 0;
  readonly starts: Int32Array | null;
  private readonly kind: LeafKind;
  private readonly int32: Int32Array | null;
  private readonly int64: BigInt64Array | null;
  private readonly float64: Float64Array | null;
  private readonly flags: Uint8Array | null;
  private bytes: Buffer | null;
  private end = 0;

  constructor(kind: LeafKind, rows: number, bytes: number) {
    this.kind = kind;
    this.int32 = kind === 'int32' ? new Int32Array(rows) : null;
    this.int64 = kind === 'int64' ? new BigInt64Array(rows) : null;
    this.float64 = kind === 'double' ? new Float64Array(rows) : null;
    this.flags = kind === 'boolean' ? new Uint8Array(rows) : null;
    this.bytes = kind === 'bytes' ? Buffer.alloc(bytes) : null;
    this.starts = kind === 'bytes' ? new Int32Array(rows + 1) : null;
  }

  push(value: Normalised, path: readonly string[], row: number): void {
    const i = this.count++;
    switch (this.kind) {
      case 'int32':
        if (typeof value === 'number') (this.int32 as Int32Array)[i] = value;
        else if (typeof value === 'bigint')
          (this.int32 as Int32Array)[i] = Number(value); // decimal(p ≤ 9)
        else throw malformed(path, row, `expected a number, got ${typeof value}`);
        return;
      case 'int64':
        if (typeof value === 'bigint') (this.int64 as BigInt64Array)[i] = value;
        else if (typeof value === 'number' && Number.isInteger(value)) (this.int64 as BigInt64Array)[i] = BigInt(value);
        else throw malformed(path, row, `expected a bigint, got ${typeof value}`);
        return;
      case 'double':
        if (typeof value !== 'number') throw malformed(path, row, `expected a number, got ${typeof value}`);
        (this.float64 as Float64Array)[i] = value;
        return;
      case 'boolean':
        if (typeof value !== 'boolean') throw malformed(path, row, `expected a boolean, got ${typeof value}`);
        (this.flags as Uint8Array)[i] = value ? 1 : 0;
        return;
      case 'bytes':
        if (typeof value !== 'string') throw malformed(path, row, `expected a string, got ${typeof value}`);
        this.pushString(value, i);
        return;
    }
  }

  /** A length prefix, then the UTF-8 bytes: short ASCII strings by hand, the rest by Buffer#write (native). */
  private pushString(value: string, i: number): void {
    let b = this.bytes as Buffer;
    const at = this.end;
    const units = value.length;
    // Room for the worst case: 3 UTF-8 bytes per UTF-16 unit.
    if (at + 4 + units * 3 > b.length) {
      const grown = Buffer.alloc(Math.max(at + 4 + units * 3, b.length * 2));
      b.copy(grown, 0, 0, at);
      b = this.bytes = grown;
    }
    let length = -1;
    if (units <= 64) {
      let k = 0;
      for (; k < units; k++) {
        const c = value.charCodeAt(k);
        if (c >= 0x80) break;
        b[at + 4 + k] = c;
      }
      if (k === units) length = units;
    }
    if (length < 0) length = b.write(value, at + 4);
    b[at] = length & 0xff;
    b[at + 1] = (length >>> 8) & 0xff;
    b[at + 2] = (length >>> 16) & 0xff;
    b[at + 3] = length >>> 24;
    const starts = this.starts as Int32Array;
    starts[i] = at;
    this.end = at + 4 + length;
    starts[i + 1] = this.end;
  }

  values(): Int32Array | BigInt64Array | Float64Array | Uint8Array {
    if (this.int32) return this.int32;
    if (this.int64) return this.int64;
    if (this.float64) return this.float64;
    if (this.flags) return this.flags;
    const buffer = this.bytes as Buffer;
    return new Uint8Array(buffer.buffer, buffer.byteOffset, this.end);
  }
}
