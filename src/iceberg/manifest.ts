// Manifests and manifest lists (spec "Manifests", "Manifest Lists", format v2): the Avro schemas with a
// `field-id` on every field, the required header keys, and conversion between Avro records and our model.
import { LakehouseError } from '../errors.ts';
import { readAvroContainer, writeAvroContainer, type AvroSchema } from './avro.ts';
import type { BoundPartitionField } from './partition.ts';
import type {
  DataFile,
  FieldSummary,
  IcebergType,
  ManifestEntry,
  ManifestFile,
  PartitionSpec,
  PartitionValues,
  Schema,
} from './types.ts';

const opt = (type: unknown): unknown[] => ['null', type];

/** Avro type for a partition value of the given Iceberg result type. */
function partitionAvroType(type: IcebergType): unknown {
  switch (type) {
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'int':
    case 'boolean':
    case 'long':
    case 'string':
    case 'double':
      return type;
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    default:
      throw new LakehouseError('UNSUPPORTED_FORMAT', `unsupported partition value type ${JSON.stringify(type)}`);
  }
}

function intMap(fieldId: number, keyId: number, valueId: number, valueType: string, name: string): AvroSchema {
  return {
    name,
    type: opt({
      type: 'array',
      logicalType: 'map',
      items: {
        type: 'record',
        name: `k${keyId}_v${valueId}`,
        fields: [
          { name: 'key', type: 'int', 'field-id': keyId },
          { name: 'value', type: valueType, 'field-id': valueId },
        ],
      },
    }),
    default: null,
    'field-id': fieldId,
  };
}

export function manifestEntrySchema(partition: readonly BoundPartitionField[]): AvroSchema {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: opt('long'), default: null, 'field-id': 1 },
      { name: 'sequence_number', type: opt('long'), default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: opt('long'), default: null, 'field-id': 4 },
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            {
              name: 'partition',
              'field-id': 102,
              type: {
                type: 'record',
                name: 'r102',
                fields: partition.map((p) => ({
                  name: p.field.name,
                  type: opt(partitionAvroType(p.resultType)),
                  default: null,
                  'field-id': p.field['field-id'],
                })),
              },
            },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            intMap(108, 117, 118, 'long', 'column_sizes'),
            intMap(109, 119, 120, 'long', 'value_counts'),
            intMap(110, 121, 122, 'long', 'null_value_counts'),
            intMap(137, 138, 139, 'long', 'nan_value_counts'),
            intMap(125, 126, 127, 'bytes', 'lower_bounds'),
            intMap(128, 129, 130, 'bytes', 'upper_bounds'),
            { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 131 },
            {
              name: 'split_offsets',
              type: opt({ type: 'array', items: 'long', 'element-id': 133 }),
              default: null,
              'field-id': 132,
            },
            {
              name: 'equality_ids',
              type: opt({ type: 'array', items: 'int', 'element-id': 136 }),
              default: null,
              'field-id': 135,
            },
            { name: 'sort_order_id', type: opt('int'), default: null, 'field-id': 140 },
          ],
        },
      },
    ],
  };
}

export const MANIFEST_LIST_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: opt({
        type: 'array',
        'element-id': 508,
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: opt('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: opt('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: opt('bytes'), default: null, 'field-id': 511 },
          ],
        },
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: opt('bytes'), default: null, 'field-id': 519 },
  ],
};

type AvroMapEntry<V> = { key: number; value: V };

function toEntries<V, W>(map: ReadonlyMap<number, V>, convert: (v: V) => W): AvroMapEntry<W>[] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([key, value]) => ({ key, value: convert(value) }));
}

function fromEntries<V, W>(entries: unknown, convert: (v: V) => W): Map<number, W> {
  const map = new Map<number, W>();
  for (const e of (entries as AvroMapEntry<V>[] | null) ?? []) map.set(e.key, convert(e.value));
  return map;
}

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b);

function partitionRecord(partition: readonly BoundPartitionField[], values: PartitionValues): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const p of partition) {
    const v = values[p.field.name] ?? null;
    record[p.field.name] =
      v === null ? null : p.resultType === 'long' || p.resultType === 'timestamptz' ? BigInt(v) : v;
  }
  return record;
}

export function dataFileRecord(file: DataFile, partition: readonly BoundPartitionField[]): Record<string, unknown> {
  return {
    content: file.content,
    file_path: file.filePath,
    file_format: file.fileFormat,
    partition: partitionRecord(partition, file.partition),
    record_count: file.recordCount,
    file_size_in_bytes: file.fileSizeInBytes,
    column_sizes: toEntries(file.columnSizes, (v) => v),
    value_counts: toEntries(file.valueCounts, (v) => v),
    null_value_counts: toEntries(file.nullValueCounts, (v) => v),
    nan_value_counts: toEntries(file.nanValueCounts, (v) => v),
    lower_bounds: toEntries(file.lowerBounds, asBuffer),
    upper_bounds: toEntries(file.upperBounds, asBuffer),
    key_metadata: null,
    split_offsets: file.splitOffsets.length ? [...file.splitOffsets] : null,
    equality_ids: null,
    sort_order_id: file.sortOrderId ?? null,
  };
}

interface DataFileAvro {
  content?: number;
  file_path: string;
  file_format: string;
  partition: Record<string, unknown>;
  record_count: bigint;
  file_size_in_bytes: bigint;
  column_sizes?: unknown;
  value_counts?: unknown;
  null_value_counts?: unknown;
  nan_value_counts?: unknown;
  lower_bounds?: unknown;
  upper_bounds?: unknown;
  split_offsets?: bigint[] | null;
  sort_order_id?: number | null;
}

function dataFileOf(r: DataFileAvro): DataFile {
  const partition: Record<string, number | bigint | string | boolean | null> = {};
  for (const [k, v] of Object.entries(r.partition ?? {})) partition[k] = v as number | bigint | string | boolean | null;
  if ((r.content ?? 0) !== 0)
    throw new LakehouseError('UNSUPPORTED_FORMAT', `delete files are not supported (${r.file_path})`);
  return {
    content: 0,
    filePath: r.file_path,
    fileFormat: 'PARQUET',
    partition,
    recordCount: BigInt(r.record_count),
    fileSizeInBytes: BigInt(r.file_size_in_bytes),
    columnSizes: fromEntries(r.column_sizes, (v: bigint) => BigInt(v)),
    valueCounts: fromEntries(r.value_counts, (v: bigint) => BigInt(v)),
    nullValueCounts: fromEntries(r.null_value_counts, (v: bigint) => BigInt(v)),
    nanValueCounts: fromEntries(r.nan_value_counts, (v: bigint) => BigInt(v)),
    lowerBounds: fromEntries(r.lower_bounds, asBytes),
    upperBounds: fromEntries(r.upper_bounds, asBytes),
    splitOffsets: (r.split_offsets ?? []).map((v) => BigInt(v)),
    ...(r.sort_order_id != null ? { sortOrderId: r.sort_order_id } : {}),
  };
}

export interface ManifestHeader {
  readonly schema: Schema;
  readonly spec: PartitionSpec;
  readonly partition: readonly BoundPartitionField[];
}

export function writeManifest(header: ManifestHeader, entries: readonly ManifestEntry[]): Uint8Array {
  const records = entries.map((e) => ({
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.sequenceNumber,
    file_sequence_number: e.fileSequenceNumber,
    data_file: dataFileRecord(e.dataFile, header.partition),
  }));
  return writeAvroContainer(manifestEntrySchema(header.partition), records, {
    schema: JSON.stringify(header.schema),
    'schema-id': String(header.schema['schema-id']),
    'partition-spec': JSON.stringify(header.spec.fields),
    'partition-spec-id': String(header.spec['spec-id']),
    'format-version': '2',
    content: 'data',
  });
}

/**
 * Reads a manifest's entries, resolving inherited values (spec "Sequence Number Inheritance"): a null snapshot id
 * or sequence number of an ADDED entry comes from the manifest-list entry that points to this manifest.
 */
export function readManifest(bytes: Uint8Array, manifest: ManifestFile): ManifestEntry[] {
  const { records } = readAvroContainer(bytes, manifest.manifestPath);
  return records.map((raw) => {
    const r = raw as {
      status: number;
      snapshot_id: bigint | null;
      sequence_number?: bigint | null;
      file_sequence_number?: bigint | null;
      data_file: DataFileAvro;
    };
    const inherit = r.status === 1;
    const sequenceNumber = r.sequence_number ?? (inherit ? manifest.sequenceNumber : null);
    return {
      status: r.status,
      snapshotId: r.snapshot_id ?? manifest.addedSnapshotId,
      sequenceNumber,
      fileSequenceNumber: r.file_sequence_number ?? (inherit ? manifest.sequenceNumber : sequenceNumber),
      dataFile: dataFileOf(r.data_file),
    };
  });
}

export interface ManifestListHeader {
  readonly snapshotId: bigint;
  readonly parentSnapshotId?: bigint;
  readonly sequenceNumber: bigint;
}

export function writeManifestList(header: ManifestListHeader, manifests: readonly ManifestFile[]): Uint8Array {
  const records = manifests.map((m) => ({
    manifest_path: m.manifestPath,
    manifest_length: m.manifestLength,
    partition_spec_id: m.partitionSpecId,
    content: m.content,
    sequence_number: m.sequenceNumber,
    min_sequence_number: m.minSequenceNumber,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions: m.partitions
      ? m.partitions.map((s) => ({
          contains_null: s.containsNull,
          contains_nan: s.containsNan,
          lower_bound: s.lowerBound ? asBuffer(s.lowerBound) : null,
          upper_bound: s.upperBound ? asBuffer(s.upperBound) : null,
        }))
      : null,
    key_metadata: null,
  }));
  return writeAvroContainer(MANIFEST_LIST_SCHEMA, records, {
    'snapshot-id': header.snapshotId.toString(),
    'parent-snapshot-id': header.parentSnapshotId === undefined ? 'null' : header.parentSnapshotId.toString(),
    'sequence-number': header.sequenceNumber.toString(),
    'format-version': '2',
  });
}

export function readManifestList(bytes: Uint8Array, path: string): ManifestFile[] {
  const { records } = readAvroContainer(bytes, path);
  return records.map((raw) => {
    const r = raw as Record<string, unknown>;
    const partitions = r.partitions as
      | {
          contains_null: boolean;
          contains_nan?: boolean | null;
          lower_bound?: Buffer | null;
          upper_bound?: Buffer | null;
        }[]
      | null;
    return {
      manifestPath: r.manifest_path as string,
      manifestLength: BigInt(r.manifest_length as bigint),
      partitionSpecId: r.partition_spec_id as number,
      content: ((r.content as number | undefined) ?? 0) as 0 | 1,
      sequenceNumber: BigInt((r.sequence_number as bigint | undefined) ?? 0n),
      minSequenceNumber: BigInt((r.min_sequence_number as bigint | undefined) ?? 0n),
      addedSnapshotId: BigInt(r.added_snapshot_id as bigint),
      addedFilesCount: (r.added_files_count ?? r.added_data_files_count ?? 0) as number,
      existingFilesCount: (r.existing_files_count ?? r.existing_data_files_count ?? 0) as number,
      deletedFilesCount: (r.deleted_files_count ?? r.deleted_data_files_count ?? 0) as number,
      addedRowsCount: BigInt((r.added_rows_count as bigint | undefined) ?? 0n),
      existingRowsCount: BigInt((r.existing_rows_count as bigint | undefined) ?? 0n),
      deletedRowsCount: BigInt((r.deleted_rows_count as bigint | undefined) ?? 0n),
      partitions: partitions
        ? partitions.map((p): FieldSummary => ({
            containsNull: p.contains_null,
            containsNan: p.contains_nan ?? null,
            lowerBound: p.lower_bound ? asBytes(p.lower_bound) : null,
            upperBound: p.upper_bound ? asBytes(p.upper_bound) : null,
          }))
        : null,
    };
  });
}
