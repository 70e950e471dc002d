// The Iceberg writer's public surface (see README.md).
export * from './types.ts';
export { Table } from './table.ts';
export type { CommitResult } from './table.ts';
export {
  CHECKPOINT_HISTORY,
  CHECKPOINT_HISTORY_LIMIT,
  CHECKPOINT_OFFSET,
  CHECKPOINT_SOURCE,
  committedCheckpoint,
} from './checkpoints.ts';
export type { Checkpoint } from './checkpoints.ts';
export { commitWithRetry, loadTable } from './commit.ts';
export type { CommitOptions, LoadedTable } from './commit.ts';
export { compact, expireSnapshots, removeOrphanFiles } from './maintenance.ts';
export { INGESTED_AT_FIELD, LINEAGE_FIELDS, nowMicros, SOURCE_FIELD, tableFields, withLineage } from './lineage.ts';
export { ancestors, currentSnapshot, parseMetadata, serializeMetadata } from './metadata.ts';
export { currentSchema, evolveSchema, schemaFromFields } from './schema.ts';
export { liveFiles } from './snapshot.ts';
export { batchRows, isColumnarBatch, writeColumnarDataFiles } from './columnar/writer.ts';
export type { WritableBatch } from './columnar/writer.ts';
export { alignColumnar } from './columnar/align.ts';
export { writeDataFiles } from './writer.ts';
export type { WriteOptions } from './writer.ts';
