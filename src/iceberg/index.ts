// The Iceberg writer's public surface (package subpath `lakehouse/iceberg`; see README.md and docs/library.md).
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
export { currentSchema, evolveSchema, fieldsOfSchema, schemaFromFields } from './schema.ts';
export { liveFiles } from './snapshot.ts';
export type { LiveFile } from './snapshot.ts';
// Reading a table back: its live data files (liveFiles) as normalised columns.
export { readDataFile } from './reader.ts';
export { batchRows, isColumnarBatch, writeColumnarDataFiles } from './columnar/writer.ts';
export type { WritableBatch } from './columnar/writer.ts';
export { alignColumnar } from './columnar/align.ts';
export { writeDataFiles } from './writer.ts';
export type { WriteOptions } from './writer.ts';
