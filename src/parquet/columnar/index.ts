// The columnar Parquet encoder's public API (see README.md in this folder).
export {
  ColumnarParquetWriter,
  CREATED_BY,
  DEFAULT_PAGE_SIZE,
  encodeColumnarParquet,
  encodeRowGroup,
  FileSink,
  MemorySink,
  type ColumnarParquetOptions,
  type ColumnarWriteResult,
  type EncodedRowGroup,
  type ParquetSink,
} from './encoder.ts';
export { concatBatches } from './concat.ts';
export { columnarFromRecordBatch, leafKind } from './from-batch.ts';
export { take, TakeScratch, valueIndex } from './take.ts';
export type { ColumnMetaData, Statistics } from './thrift.ts';
