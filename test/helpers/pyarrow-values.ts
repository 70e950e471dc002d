// What pyarrow prints (through the read_parquet.py helpers) for a normalised value of a field: decimals as text,
// timestamps as {micros}, dates as {days}, longs as numbers; and field ids by dotted path, from a contract and from a
// schema read back; and the read-back itself (read_parquet.py). Shared by the Parquet read-back tests.
import { join } from 'node:path';
import type { Field } from '../../src/contracts/model.ts';
import { formatDecimal, type Normalised, type NormalisedStruct } from '../../src/records/values.ts';
import { runPythonJson } from './python.ts';

/** What read_parquet.py prints for a file: schema with field ids, each column chunk, rows by pyarrow and DuckDB. */
export interface ParquetReadBack {
  schema: { name: string; field_id: number; nullable: boolean; type: string; children: unknown[] }[];
  created_by: string;
  num_rows: number;
  columns: {
    row_group: number;
    path: string;
    compression: string;
    has_min_max: boolean;
    null_count: number | null;
    min: unknown;
    max: unknown;
  }[];
  rows: Record<string, unknown>[];
  duckdb_rows: Record<string, unknown>[];
}

/** Reads Parquet files back with pyarrow and DuckDB (the tools venv), keyed by path. */
export function readParquetBack(files: readonly string[]): Record<string, ParquetReadBack> {
  const script = join(import.meta.dirname, '..', 'integration', 'records', 'read_parquet.py');
  return runPythonJson<Record<string, ParquetReadBack>>('tools', script, { files });
}

export function expectedFromPyarrow(field: Field, value: Normalised): unknown {
  if (value === null) return null;
  const type = field.type;
  switch (type.kind) {
    case 'decimal':
      return formatDecimal(value as bigint, type.scale);
    case 'timestamp':
      return { micros: (value as bigint).toString() };
    case 'date':
      return { days: value };
    case 'long':
      return Number(value);
    case 'struct':
      return Object.fromEntries(
        type.fields.map((f) => [f.name, expectedFromPyarrow(f, (value as NormalisedStruct)[f.name] ?? null)]),
      );
    case 'list':
      return (value as Normalised[]).map((v) => expectedFromPyarrow(type.element, v));
    default:
      return value;
  }
}

/** Field ids by dotted path (`properties.page`, list elements as `items.element`), from the contract. */
export function contractFieldIds(fields: readonly Field[]): Record<string, number> {
  const ids: Record<string, number> = {};
  const visit = (f: Field, prefix: string) => {
    ids[prefix + f.name] = f.id;
    if (f.type.kind === 'struct') f.type.fields.forEach((m) => visit(m, `${prefix}${f.name}.`));
    if (f.type.kind === 'list') visit({ ...f.type.element, name: 'element' }, `${prefix}${f.name}.`);
  };
  fields.forEach((f) => visit(f, ''));
  return ids;
}

export interface ReadBackField {
  readonly name: string;
  readonly field_id: number;
  readonly children: readonly unknown[];
}

/** Field ids by dotted path, from the schema a reader printed. */
export function readBackFieldIds(schema: readonly ReadBackField[], prefix = ''): Record<string, number> {
  const ids: Record<string, number> = {};
  for (const f of schema) {
    ids[prefix + f.name] = f.field_id;
    Object.assign(ids, readBackFieldIds(f.children as ReadBackField[], `${prefix}${f.name}.`));
  }
  return ids;
}
