// Aligns a ColumnarBatch to a table schema by field id, the columnar counterpart of writer.ts `alignToSchema`:
// the result has the table's top-level fields, in the table's order, and one leaf vector per table leaf column,
// relabelled with the table's fields and names. What it does besides relabelling, all without a per-row object:
//   - a table column the batch does not have, if optional, becomes all-null leaves;
//   - int → long (and decimal precision widening with the same scale) widen the values;
//   - a column required in the batch but optional in the table gets its definition levels raised.
// Anything else (lists, other type changes, a struct member missing from the batch, a column that may hold nulls
// where the table requires values) throws UNSUPPORTED_FORMAT: the caller writes a RecordBatch instead.
import type { Field, FieldType } from '../../contracts/model.ts';
import { LakehouseError } from '../../errors.ts';
import { leafKind } from '../../parquet/columnar/from-batch.ts';
import { isOptional } from '../../parquet/schema.ts';
import type { ColumnarBatch, LeafKind, LeafVector } from '../../records/columns.ts';

/** The error a caller falls back on: the batch is fine, but only the row path can write it to this table. */
export function unalignable(message: string, column: string): LakehouseError {
  return new LakehouseError(
    'UNSUPPORTED_FORMAT',
    `columnar Iceberg write: ${message}; write the rows as a RecordBatch instead`,
    { column, columnar: true },
  );
}

export function alignColumnar(batch: ColumnarBatch, tableFields: readonly Field[]): ColumnarBatch {
  const byId = leavesByTopField(batch);
  const leaves: LeafVector[] = [];
  for (const field of tableFields) {
    const source = byId.get(field.id);
    if (source) {
      alignField(field, source.field, [], [], source.leaves, batch.rows, leaves);
      continue;
    }
    if (!isOptional(field)) {
      throw new LakehouseError(
        'CONTRACT',
        `the batch has no values for required column "${field.name}" (id ${field.id})`,
        { column: field.name },
      );
    }
    nullLeaves(field, [], 0, batch.rows, leaves);
  }
  return { fields: tableFields, rows: batch.rows, leaves };
}

interface Source {
  readonly field: Field;
  /** The leaves of this top-level field, depth first. */
  readonly leaves: readonly LeafVector[];
}

/** The batch's leaves grouped by top-level field id, checked against the fields' shapes. */
function leavesByTopField(batch: ColumnarBatch): Map<number, Source> {
  const byId = new Map<number, Source>();
  let next = 0;
  for (const field of batch.fields) {
    const count = leafCount(field, [field.name]);
    const leaves = batch.leaves.slice(next, next + count);
    next += count;
    if (leaves.length !== count) break;
    if (byId.has(field.id)) throw unalignable(`the batch has two columns with field id ${field.id}`, field.name);
    byId.set(field.id, { field, leaves });
  }
  if (next !== batch.leaves.length)
    throw new LakehouseError(
      'INTERNAL',
      `columnar batch has ${batch.leaves.length} leaf vectors, its fields ${next} leaf columns`,
    );
  for (const leaf of batch.leaves) {
    if (leaf.rows !== batch.rows)
      throw new LakehouseError(
        'INTERNAL',
        `leaf ${leaf.path.join('.')} has ${leaf.rows} rows in a batch of ${batch.rows}`,
      );
  }
  return byId;
}

function leafCount(field: Field, path: readonly string[]): number {
  if (field.type.kind === 'list')
    throw unalignable(`list column ${path.join('.')} has no columnar form`, path.join('.'));
  if (field.type.kind !== 'struct') return 1;
  let n = 0;
  for (const member of field.type.fields) n += leafCount(member, [...path, member.name]);
  return n;
}

/**
 * Aligns one batch field to one table field, appending the aligned leaves to `out`. `flags` are the optional
 * flags (table's, batch's) of the fields above it; `leaves` are the batch field's own leaves.
 */
function alignField(
  table: Field,
  batch: Field,
  path: readonly string[],
  flags: readonly (readonly [boolean, boolean])[],
  leaves: readonly LeafVector[],
  rows: number,
  out: LeafVector[],
): void {
  const here = [...path, table.name];
  const name = here.join('.');
  const chain = [...flags, [isOptional(table), isOptional(batch)] as const];
  if (table.type.kind === 'list' || batch.type.kind === 'list')
    throw unalignable(`list column ${name} has no columnar form`, name);
  if (table.type.kind === 'struct') {
    if (batch.type.kind !== 'struct') throw typeMismatch(name, table.type, batch.type);
    // The batch's struct members, each with the leaves it owns.
    const members = new Map<number, { field: Field; leaves: readonly LeafVector[] }>();
    let next = 0;
    for (const member of batch.type.fields) {
      const count = leafCount(member, [...here, member.name]);
      members.set(member.id, { field: member, leaves: leaves.slice(next, next + count) });
      next += count;
    }
    for (const member of table.type.fields) {
      const source = members.get(member.id);
      if (!source)
        throw unalignable(`struct member ${name}.${member.name} (id ${member.id}) is missing from the batch`, name);
      alignField(member, source.field, here, chain, source.leaves, rows, out);
    }
    return;
  }
  if (batch.type.kind === 'struct') throw typeMismatch(name, table.type, batch.type);
  const leaf = leaves[0];
  if (!leaf || leaf.field.id !== batch.id)
    throw new LakehouseError('INTERNAL', `columnar batch: no leaf vector for ${name} (id ${batch.id})`);
  if (!sameType(table.type, batch.type) && !widens(batch.type, table.type))
    throw typeMismatch(name, table.type, batch.type);
  const kind = kindOf(table, here);
  const batchKind = kindOf(batch, here);
  if (leaf.kind !== batchKind)
    throw new LakehouseError('INTERNAL', `columnar batch: leaf ${name} is ${leaf.kind}, its type wants ${batchKind}`);
  const { levels, maxDefinitionLevel } = alignLevels(leaf, chain, rows, name);
  out.push({
    field: table,
    path: here,
    kind,
    maxDefinitionLevel,
    rows,
    definitionLevels: levels,
    count: leaf.count,
    values: kind === batchKind ? leaf.values : widenInt32(leaf.values as Int32Array, leaf.count),
    starts: leaf.starts,
  });
}

/** The leaf kind of a primitive field; decimals wider than 18 digits have none here. */
function kindOf(field: Field, path: readonly string[]): LeafKind {
  const type = field.type;
  if (type.kind === 'decimal' && type.precision > 18)
    throw unalignable(`column ${path.join('.')} is ${describe(type)}: wider than 18 digits`, path.join('.'));
  return leafKind(field, path);
}

function typeMismatch(name: string, table: FieldType, batch: FieldType): LakehouseError {
  return unalignable(`column ${name} is ${describe(batch)} in the batch but ${describe(table)} in the table`, name);
}

function describe(type: FieldType): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}

function sameType(a: FieldType, b: FieldType): boolean {
  if (a.kind === 'decimal' && b.kind === 'decimal') return a.precision === b.precision && a.scale === b.scale;
  return a.kind === b.kind;
}

/** Widenings the row path does too (int → long), and wider decimals of the same scale (≤ 18 digits). */
function widens(from: FieldType, to: FieldType): boolean {
  if (from.kind === 'int' && to.kind === 'long') return true;
  return (
    from.kind === 'decimal' &&
    to.kind === 'decimal' &&
    from.scale === to.scale &&
    to.precision >= from.precision &&
    to.precision <= 18
  );
}

/** int32 values as int64 (sign-extended), written as 32-bit words. */
function widenInt32(values: Int32Array, count: number): BigInt64Array {
  const out = new BigInt64Array(count);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    words[2 * i] = v;
    words[2 * i + 1] = v >> 31;
  }
  return out;
}

/**
 * The leaf's definition levels under the table's optional flags. Where the table is optional and the batch
 * required, every row that reaches that position in the batch gains a level there; where the batch is optional
 * and the table required, the batch may hold nulls the table cannot (throw).
 */
function alignLevels(
  leaf: LeafVector,
  chain: readonly (readonly [boolean, boolean])[],
  rows: number,
  name: string,
): { levels: Uint8Array | null; maxDefinitionLevel: number } {
  let batchMax = 0;
  let tableMax = 0;
  const raised: number[] = []; // batch levels at or above which a row gains one
  for (const [tableOptional, batchOptional] of chain) {
    if (batchOptional && !tableOptional)
      throw unalignable(`column ${name} is optional in the batch but required in the table`, name);
    if (tableOptional && !batchOptional) raised.push(batchMax);
    if (batchOptional) batchMax++;
    if (tableOptional) tableMax++;
  }
  if (batchMax !== leaf.maxDefinitionLevel)
    throw new LakehouseError(
      'INTERNAL',
      `columnar batch: leaf ${name} has max definition level ${leaf.maxDefinitionLevel}, its fields say ${batchMax}`,
    );
  if (raised.length === 0) return { levels: leaf.definitionLevels, maxDefinitionLevel: tableMax };
  const map = new Uint8Array(batchMax + 1);
  for (let level = 0; level <= batchMax; level++) {
    let up = 0;
    for (const at of raised) if (level >= at) up++;
    map[level] = level + up;
  }
  const levels = new Uint8Array(rows);
  const source = leaf.definitionLevels;
  if (source) for (let r = 0; r < rows; r++) levels[r] = map[source[r] as number] as number;
  else levels.fill(map[0] as number);
  return { levels, maxDefinitionLevel: tableMax };
}

/** All-null leaves for an optional top-level table column the batch does not have (every level 0). */
function nullLeaves(field: Field, path: readonly string[], above: number, rows: number, out: LeafVector[]): void {
  const here = [...path, field.name];
  const name = here.join('.');
  const depth = above + (isOptional(field) ? 1 : 0);
  if (field.type.kind === 'list') throw unalignable(`list column ${name} has no columnar form`, name);
  if (field.type.kind === 'struct') {
    for (const member of field.type.fields) nullLeaves(member, here, depth, rows, out);
    return;
  }
  const kind = kindOf(field, here);
  out.push({
    field,
    path: here,
    kind,
    maxDefinitionLevel: depth,
    rows,
    definitionLevels: new Uint8Array(rows),
    count: 0,
    values: emptyValues(kind),
    starts: kind === 'bytes' ? new Int32Array(1) : null,
  });
}

function emptyValues(kind: LeafKind): Int32Array | BigInt64Array | Float64Array | Uint8Array {
  switch (kind) {
    case 'int32':
      return new Int32Array(0);
    case 'int64':
      return new BigInt64Array(0);
    case 'double':
      return new Float64Array(0);
    default:
      return new Uint8Array(0);
  }
}
