// The record library's public surface (package subpath `lakehouse/records`): one contract-compiled processor
// that validates every violation, normalises, de-duplicates and batches; quarantine output; the file → Parquet job.
export { RecordProcessor, processInput, processItems, quarantineEntry } from './pipeline.ts';
export type { ProcessedChunk, ProcessOptions, QuarantineEntry, QuarantineReason } from './pipeline.ts';
export { compileValidator } from './validate.ts';
export type { RecordValidator, Violation } from './validate.ts';
export type { EnrichHook, RecordObject } from './transform.ts';
export { BatchBuilder, concatBatches, rowOf, sliceBatch } from './batch.ts';
export type { RecordBatch } from './batch.ts';
export type { ColumnarBatch } from './columns.ts';
export { QuarantineWriter, quarantineLine } from './quarantine.ts';
export { formatDecimal, formatTimestampMicros, normalise, parseDateDays, parseTimestampMicros } from './values.ts';
export type { Normalised, NormalisedStruct } from './values.ts';
export { convertFile } from '../jobs/convert.ts';
export type { ConvertOptions, ConvertSummary, WrittenFile } from '../jobs/convert.ts';
