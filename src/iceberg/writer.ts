// Writes a record batch as Iceberg data files: rows are matched to the table's current schema by field id, split
// by partition tuple, sorted by the table's sort order, encoded as Parquet (zstd, field ids) and described as
// DataFile entries with exact metrics.
import { randomUUID } from 'node:crypto';
import type { Contract, Field } from '../contracts/model.ts';
import { LakehouseError } from '../errors.ts';
import type { FileIO } from '../io/fileio.ts';
import { joinPath } from '../io/fileio.ts';
import { encodeParquet } from '../parquet/encode.ts';
import type { RecordBatch } from '../records/batch.ts';
import type { Normalised } from '../records/values.ts';
import { compareValues } from './conversions.ts';
import { footerMetrics, valueMetrics } from './metrics.ts';
import { applyTransform, bindSpec, partitionPathValue } from './partition.ts';
import { currentSchema, fieldsOfSchema } from './schema.ts';
import type { DataFile, PartitionSpec, PartitionValues, SortOrder, TableMetadata } from './types.ts';

export interface WriteOptions {
  /** Rows per data file at most (default 1,000,000); compaction sizes files by bytes instead. */
  readonly maxRowsPerFile?: number;
  readonly rowGroupSize?: number;
  /** zstd level of the Parquet pages (default: the Parquet encoders' own, see src/parquet/codecs.ts). */
  readonly zstdLevel?: number;
}

export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id']);
  if (!spec) throw new LakehouseError('INTERNAL', `metadata has no partition spec ${metadata['default-spec-id']}`);
  return spec;
}

export function defaultSortOrder(metadata: TableMetadata): SortOrder | undefined {
  return metadata['sort-orders'].find((s) => s['order-id'] === metadata['default-sort-order-id']);
}

/** Batch columns keyed by the table's column names, matched by field id and widened where the table type is wider. */
export function alignToSchema(batch: RecordBatch, tableFields: readonly Field[]): Map<string, Normalised[]> {
  const byId = new Map<number, Field>();
  for (const f of batch.contract.fields) byId.set(f.id, f);
  const columns = new Map<string, Normalised[]>();
  for (const field of tableFields) {
    const source = byId.get(field.id);
    let values = source ? batch.columns.get(source.name) : batch.columns.get(field.name);
    if (!values) {
      if (field.required && !field.nullable) {
        throw new LakehouseError(
          'CONTRACT',
          `the batch has no values for required column "${field.name}" (id ${field.id})`,
        );
      }
      values = new Array<Normalised>(batch.length).fill(null);
    } else if (field.type.kind === 'long' && source?.type.kind === 'int') {
      values = values.map((v) => (v === null ? null : BigInt(v as number)));
    }
    columns.set(field.name, values);
  }
  return columns;
}

export async function writeDataFiles(
  io: FileIO,
  metadata: TableMetadata,
  batch: RecordBatch,
  options: WriteOptions = {},
): Promise<DataFile[]> {
  if (batch.length === 0) return [];
  const schema = currentSchema(metadata);
  const fields = fieldsOfSchema(schema);
  const columns = alignToSchema(batch, fields);
  return writeColumns(io, metadata, fields, columns, batch.length, options);
}

/** A contract that is just a column list: what the Parquet encoder needs for a table schema. */
export function schemaContract(fields: readonly Field[]): Contract {
  return {
    name: 'table',
    version: 1,
    source: 'iceberg',
    inputFields: fields,
    fields,
    primaryKey: [],
    partitioning: [],
    sortOrder: [],
    transforms: [],
    additionalProperties: false,
    document: {},
  };
}

/** Writes already-aligned columns (used by compaction, which reads rows back in the table's schema). */
export async function writeColumns(
  io: FileIO,
  metadata: TableMetadata,
  fields: readonly Field[],
  columns: ReadonlyMap<string, Normalised[]>,
  rows: number,
  options: WriteOptions = {},
): Promise<DataFile[]> {
  const schema = currentSchema(metadata);
  const contract = schemaContract(fields);
  const spec = defaultSpec(metadata);
  const bound = bindSpec(spec, schema);
  const sortOrder = defaultSortOrder(metadata);

  // Group rows by partition tuple.
  const groups = new Map<string, { values: PartitionValues; rows: number[] }>();
  for (let i = 0; i < rows; i++) {
    const values: Record<string, number | bigint | string | boolean | null> = {};
    for (const p of bound) {
      values[p.field.name] = applyTransform(p.field.transform, p.sourceType, columns.get(p.sourceName)?.[i] ?? null);
    }
    const key = JSON.stringify(Object.values(values), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { values, rows: [] }));
    group.rows.push(i);
  }

  const sortColumns = (sortOrder?.fields ?? []).map((s) => {
    const field = schema.fields.find((f) => f.id === s['source-id']);
    return { values: field ? columns.get(field.name) : undefined, s };
  });
  const compareRows = (a: number, b: number): number => {
    for (const { values, s } of sortColumns) {
      if (!values) continue;
      const x = values[a] ?? null;
      const y = values[b] ?? null;
      let c: number;
      if (x === null || y === null) {
        c = x === y ? 0 : (x === null) === (s['null-order'] === 'nulls-first') ? -1 : 1;
        if (c !== 0) return c;
        continue;
      }
      c = compareValues(x, y);
      if (c !== 0) return s.direction === 'asc' ? c : -c;
    }
    return a - b;
  };

  const maxRows = options.maxRowsPerFile ?? 1_000_000;
  const files: DataFile[] = [];
  const writeId = randomUUID();
  for (const group of groups.values()) {
    const ordered = sortColumns.length ? [...group.rows].sort(compareRows) : group.rows;
    for (let start = 0; start < ordered.length; start += maxRows) {
      const indices = ordered.slice(start, start + maxRows);
      const sliced = new Map<string, Normalised[]>();
      for (const [name, values] of columns)
        sliced.set(
          name,
          indices.map((i) => values[i] ?? null),
        );
      const partPath = bound
        .map(
          (p) => `${p.field.name}=${partitionPathValue(p.field.transform, p.resultType, group.values[p.field.name])}`,
        )
        .join('/');
      const name = `${String(files.length).padStart(5, '0')}-${writeId}.parquet`;
      const path = joinPath(metadata.location, 'data', ...(partPath ? [partPath] : []), name);
      const bytes = encodeParquet(
        { contract, length: indices.length, columns: sliced },
        {
          fields,
          ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
          ...(options.zstdLevel === undefined ? {} : { zstdLevel: options.zstdLevel }),
        },
      );
      await io.write(path, bytes);
      const footer = footerMetrics(bytes);
      const metrics = valueMetrics(schema.fields, sliced, indices.length);
      files.push({
        content: 0,
        filePath: path,
        fileFormat: 'PARQUET',
        partition: group.values,
        recordCount: footer.recordCount,
        fileSizeInBytes: BigInt(bytes.byteLength),
        columnSizes: footer.columnSizes,
        ...metrics,
        splitOffsets: footer.splitOffsets,
        ...(sortOrder && sortOrder.fields.length ? { sortOrderId: sortOrder['order-id'] } : {}),
      });
    }
  }
  return files;
}
