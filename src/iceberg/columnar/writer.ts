// Writes a ColumnarBatch as Iceberg data files, the columnar counterpart of writer.ts `writeDataFiles`, with the
// same result for the same rows: align to the current schema by field id (align.ts), split by partition tuple
// (partition.ts), order by the sort order (sort.ts), gather each file's row groups (take), encode them with the
// columnar Parquet encoder (zstd, field ids, no footer key-value metadata, as encode.ts writes them) and describe
// each file as a DataFile: column sizes and split offsets from the encoder's own row-group metadata, value
// metrics from the leaves (metrics.ts). What it cannot write throws UNSUPPORTED_FORMAT before any file is
// written, so the caller can write a RecordBatch instead.
import { randomUUID } from 'node:crypto';
import type { Field } from '../../contracts/model.ts';
import type { FileIO } from '../../io/fileio.ts';
import { joinPath } from '../../io/fileio.ts';
import {
  ColumnarParquetWriter,
  encodeRowGroup,
  MemorySink,
  type ColumnarParquetOptions,
} from '../../parquet/columnar/encoder.ts';
import { take, TakeScratch, valueIndex } from '../../parquet/columnar/take.ts';
import type { RecordBatch } from '../../records/batch.ts';
import type { ColumnarBatch, LeafVector } from '../../records/columns.ts';
import { bindSpec, partitionPathValue, type BoundPartitionField } from '../partition.ts';
import { currentSchema, fieldsOfSchema } from '../schema.ts';
import type { DataFile, PartitionValues, Schema, SortOrder, TableMetadata } from '../types.ts';
import { defaultSortOrder, defaultSpec, type WriteOptions } from '../writer.ts';
import { alignColumnar, unalignable } from './align.ts';
import { FileMetrics } from './metrics.ts';
import { partitionRows } from './partition.ts';
import { groupRows, sortRows, type SortKey } from './sort.ts';

const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;
/** As encode.ts: rows per row group. */
const DEFAULT_ROW_GROUP_SIZE = 131_072;

/** Either batch shape the table writes: a ColumnarBatch is told apart by its `leaves`. */
export type WritableBatch = RecordBatch | ColumnarBatch;

export function isColumnarBatch(batch: WritableBatch): batch is ColumnarBatch {
  return 'leaves' in batch;
}

export function batchRows(batch: WritableBatch): number {
  return isColumnarBatch(batch) ? batch.rows : batch.length;
}

/**
 * Writes a ColumnarBatch as data files of the table's current schema, default partition spec and sort order,
 * without committing them. Throws UNSUPPORTED_FORMAT (before writing anything) for what only the row path can
 * write: lists, type changes other than int → long and wider decimals, struct members missing from the batch.
 */
export async function writeColumnarDataFiles(
  io: FileIO,
  metadata: TableMetadata,
  batch: ColumnarBatch,
  options: WriteOptions = {},
): Promise<DataFile[]> {
  if (batch.rows === 0) return [];
  const schema = currentSchema(metadata);
  const fields = fieldsOfSchema(schema);
  const aligned = alignColumnar(batch, fields);
  const bound = bindSpec(defaultSpec(metadata), schema);
  const sortOrder = defaultSortOrder(metadata);
  const keys = sortKeys(aligned, schema, sortOrder);
  const partitions = partitionRows(aligned, bound);
  const sorted = sortRows(aligned.rows, keys);
  const { order, starts } = groupRows(sorted, partitions.groupOf, partitions.groups);
  const plan: FilePlan = {
    batch: aligned,
    order,
    inOrder: keys.length === 0 && partitions.groups === 1,
    indexes: aligned.leaves.map(valueIndex),
    scratch: aligned.leaves.map(() => new TakeScratch()),
    leafFields: aligned.leaves.map((l) => l.field),
    rowGroupSize: Math.max(1, options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE),
    // zstd at the encoder's default level (the same default as the row path's), unless the caller sets one.
    parquet: { compression: 'zstd', ...(options.zstdLevel === undefined ? {} : { zstdLevel: options.zstdLevel }) },
  };
  const maxRows = Math.max(1, options.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE);
  const sortOrderId = sortOrder && sortOrder.fields.length ? { sortOrderId: sortOrder['order-id'] } : {};
  const writeId = randomUUID();
  const files: DataFile[] = [];
  // Each file is written while the next is encoded; every write has settled before this returns or throws.
  const writes: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  try {
    for (let g = 0; g < partitions.groups; g++) {
      const partition = partitions.values[g] as PartitionValues;
      const partPath = partitionPath(bound, partition);
      const end = starts[g + 1] as number;
      for (let start = starts[g] as number; start < end; start += maxRows) {
        const name = `${String(files.length).padStart(5, '0')}-${writeId}.parquet`;
        const path = joinPath(metadata.location, 'data', ...(partPath ? [partPath] : []), name);
        const file = encodeFile(plan, path, start, Math.min(end, start + maxRows));
        writes.push(io.write(path, file.bytes));
        files.push({
          content: 0,
          filePath: path,
          fileFormat: 'PARQUET',
          partition,
          recordCount: BigInt(file.rows),
          fileSizeInBytes: BigInt(file.bytes.byteLength),
          columnSizes: file.columnSizes,
          ...file.metrics.result(),
          splitOffsets: file.splitOffsets,
          ...sortOrderId,
        });
      }
    }
  } catch (error) {
    failure = { error };
  }
  const settled = await Promise.allSettled(writes);
  if (failure) throw failure.error;
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return files;
}

function partitionPath(bound: readonly BoundPartitionField[], partition: PartitionValues): string {
  return bound
    .map((p) => `${p.field.name}=${partitionPathValue(p.field.transform, p.resultType, partition[p.field.name])}`)
    .join('/');
}

/** The table's sort keys over the aligned batch (top-level sources only; others are skipped, as writer.ts does). */
function sortKeys(batch: ColumnarBatch, schema: Schema, sortOrder: SortOrder | undefined): SortKey[] {
  const keys: SortKey[] = [];
  for (const s of sortOrder?.fields ?? []) {
    const field = schema.fields.find((f) => f.id === s['source-id']);
    if (!field) continue;
    const leaf = batch.leaves.find((l) => l.path.length === 1 && l.field.id === field.id);
    if (!leaf) throw unalignable(`sort column ${field.name} is not a primitive column`, field.name);
    keys.push({ leaf, descending: s.direction === 'desc', nullsFirst: s['null-order'] === 'nulls-first' });
  }
  return keys;
}

interface FilePlan {
  readonly batch: ColumnarBatch;
  /** Rows in file order: by partition tuple, then sort order. */
  readonly order: Int32Array;
  /** `order` is 0, 1, 2, …: a file of all rows can use the batch's leaves as they are. */
  readonly inOrder: boolean;
  readonly indexes: readonly (Int32Array | null)[];
  /** Per leaf: one row group's vectors at a time, each encoded (copied into pages) before the next is taken. */
  readonly scratch: readonly TakeScratch[];
  readonly leafFields: readonly Field[];
  readonly rowGroupSize: number;
  readonly parquet: ColumnarParquetOptions;
}

interface EncodedFile {
  readonly bytes: Uint8Array;
  readonly rows: number;
  readonly columnSizes: Map<number, bigint>;
  readonly splitOffsets: bigint[];
  readonly metrics: FileMetrics;
}

/** One data file of rows order[from…to), a row group per `rowGroupSize` rows. */
function encodeFile(plan: FilePlan, path: string, from: number, to: number): EncodedFile {
  const { batch, order, indexes } = plan;
  const sink = new MemorySink(path);
  const writer = new ColumnarParquetWriter(sink, batch.fields, plan.parquet);
  const metrics = new FileMetrics(plan.leafFields);
  const columnSizes = new Map<number, bigint>();
  for (const field of plan.leafFields) columnSizes.set(field.id, 0n);
  const splitOffsets: bigint[] = [];
  for (let start = from; start < to; start += plan.rowGroupSize) {
    const end = Math.min(to, start + plan.rowGroupSize);
    const leaves: readonly LeafVector[] =
      plan.inOrder && start === 0 && end === batch.rows
        ? batch.leaves
        : batch.leaves.map((leaf, i) => take(leaf, order, start, end, indexes[i] ?? null, plan.scratch[i]));
    const encoded = encodeRowGroup({ fields: batch.fields, rows: end - start, leaves }, plan.parquet);
    const base = writer.bytes;
    writer.appendRowGroup(encoded);
    let first = Infinity;
    encoded.columns.forEach((column, i) => {
      const id = (plan.leafFields[i] as Field).id;
      columnSizes.set(id, (columnSizes.get(id) ?? 0n) + BigInt(column.total_compressed_size));
      first = Math.min(first, column.dictionary_page_offset ?? column.data_page_offset);
    });
    splitOffsets.push(BigInt(base + first));
    metrics.add(leaves, encoded.columns);
  }
  writer.close();
  return { bytes: sink.toBytes(), rows: to - from, columnSizes, splitOffsets, metrics };
}
