// The stream's two sides as plain types, shared by the local log and the Kinesis adapter.
// Producer side: `Stream.publish`. Consumer side: a `BatchHandler` with the contract of a Lambda Kinesis handler
// using ReportBatchItemFailures, so the processor's code is the same in AWS and on a laptop.

/** One record to publish. `partitionKey` picks the shard in Kinesis (1–256 characters); `data` is the payload. */
export interface StreamRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/** The fate of one published record, in the order of the input. */
export type PublishedRecord =
  | { readonly ok: true; readonly sequenceNumber: string; readonly shardId: string }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

export interface PublishResult {
  /** Same length and order as the records passed to `publish`. */
  readonly records: readonly PublishedRecord[];
  /** How many entries of `records` are `ok: false`. A failed record was not stored and may be published again. */
  readonly failedCount: number;
}

export interface StreamHealth {
  readonly ok: boolean;
  readonly detail: Readonly<Record<string, string | number | boolean>>;
}

export interface Stream {
  /**
   * Stores the records. A record reported `ok` is durable (fsynced locally, acknowledged by Kinesis in AWS); a record
   * is never reported `ok` unless it was stored. Rejects only for misuse (e.g. a record over the size limit).
   */
  publish(records: readonly StreamRecord[]): Promise<PublishResult>;
  health(): Promise<StreamHealth>;
  close(): Promise<void>;
}

/** A record read back from the stream, with the fields a Kinesis Lambda event carries. */
export interface ConsumedRecord {
  /** Decimal string, increasing within a shard. Used as `itemIdentifier` in `batchItemFailures`. */
  readonly sequenceNumber: string;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Milliseconds since the epoch at which the stream stored the record. */
  readonly approximateArrivalTimestamp: number;
}

/** The response of a Lambda Kinesis handler with `ReportBatchItemFailures`: the sequence numbers that failed. */
export interface BatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

export type BatchHandler = (batch: readonly ConsumedRecord[]) => Promise<BatchResponse>;

/** Kinesis's per-record limit on data plus partition key, applied locally too so a record that works here works there. */
export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_PARTITION_KEY_LENGTH = 256;

/** Throws a clear error for a record Kinesis would refuse. */
export function assertValidRecord(record: StreamRecord, index: number): void {
  const key = record.partitionKey;
  if (typeof key !== 'string' || key.length < 1 || key.length > MAX_PARTITION_KEY_LENGTH) {
    throw new RangeError(
      `record ${index}: partitionKey must be a string of 1 to ${MAX_PARTITION_KEY_LENGTH} characters`,
    );
  }
  if (!(record.data instanceof Uint8Array)) {
    throw new TypeError(`record ${index}: data must be a Uint8Array`);
  }
  const size = record.data.byteLength + Buffer.byteLength(key, 'utf8');
  if (size > MAX_RECORD_BYTES) {
    throw new RangeError(
      `record ${index}: data plus partition key is ${size} bytes, over the ${MAX_RECORD_BYTES}-byte limit`,
    );
  }
}
