// The stream: one producer interface (`Stream`) over the embedded local log and over Kinesis, and one consumer
// contract (`BatchHandler`, Lambda's ReportBatchItemFailures) for the local consumer loop and for Lambda.
// See docs/adr/0009-local-stream-and-metadata.md.
export type {
  BatchHandler,
  BatchResponse,
  ConsumedRecord,
  PublishedRecord,
  PublishResult,
  Stream,
  StreamHealth,
  StreamRecord,
} from './types.ts';
export { assertValidRecord, MAX_RECORD_BYTES } from './types.ts';
export { LocalStream, LOCAL_SHARD_ID, localStreamDir, formatSequenceNumber, parseSequenceNumber } from './local.ts';
export { deleteSegmentsBelow, LogReader, LogWriter, LogLockedError, LogCorruptError } from './log.ts';
export type { LogEntry, LogWriterOptions } from './log.ts';
export { Consumer, readDeadLetters, writeFileAtomic } from './consumer.ts';
export type { BatchOutcome, ConsumerOptions, DeadLetterEntry } from './consumer.ts';
export { KinesisStream, putRecordsWithRetry, readKinesisStream, chunkRecords } from './kinesis.ts';
export type { KinesisStreamOptions, PutRecordsSender, ReadKinesisOptions, RetryPolicy } from './kinesis.ts';
export { fromKinesisEvent, lambdaBatchHandler, toKinesisEvent } from './lambda-event.ts';
export type { KinesisEventSource, LambdaKinesisHandler } from './lambda-event.ts';
