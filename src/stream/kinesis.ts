// The stream on Amazon Kinesis Data Streams (AWS SDK v3). Producer: PutRecords in chunks within the service's
// limits, retrying only the entries that failed (partial failure is normal under throttling) with bounded, jittered
// backoff; a record is reported `ok` only with the sequence number Kinesis gave it. Reader: shard iterators, for
// tools and tests — in AWS the processor receives records from Lambda's event source mapping instead.
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import type {
  KinesisClient,
  PutRecordsCommandInput,
  PutRecordsCommandOutput,
  ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import pRetry, { AbortError } from 'p-retry';
import { assertValidRecord } from './types.ts';
import type { ConsumedRecord, PublishedRecord, PublishResult, Stream, StreamHealth, StreamRecord } from './types.ts';

/** PutRecords limits: entries per request and bytes (data + partition keys) per request. */
export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export interface RetryPolicy {
  /** Retries after the first attempt. Default 5. */
  readonly retries?: number;
  /** Default 100 ms; doubles per retry, randomized (×1–2), capped by `maxDelayMs`. */
  readonly minDelayMs?: number;
  /** Default 2000 ms. */
  readonly maxDelayMs?: number;
}

/** Request-level errors that no retry can fix. */
const PERMANENT_ERRORS = new Set([
  'AccessDeniedException',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'ResourceNotFoundException',
  'UnrecognizedClientException',
  'ValidationException',
]);

/** Splits record indices into PutRecords requests of at most 500 entries and 5 MiB. */
export function chunkRecords(records: readonly StreamRecord[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  records.forEach((r, i) => {
    const size = r.data.byteLength + Buffer.byteLength(r.partitionKey, 'utf8');
    if (current.length === PUT_RECORDS_MAX_ENTRIES || (current.length > 0 && bytes + size > PUT_RECORDS_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

class PartialFailure extends Error {
  override readonly name = 'PartialFailure';
}

/** Sends one PutRecords request: the seam where the retry logic meets the client. */
export type PutRecordsSender = (input: PutRecordsCommandInput) => Promise<PutRecordsCommandOutput>;

/**
 * Publishes `records` (already within one request's limits) through `send`, re-sending only the failed entries
 * until all are stored or the retries run out. Entries still failing are returned as failures with Kinesis's code.
 */
export async function putRecordsWithRetry(
  send: PutRecordsSender,
  streamName: string,
  records: readonly StreamRecord[],
  policy: RetryPolicy = {},
): Promise<PublishedRecord[]> {
  const results: (PublishedRecord | undefined)[] = records.map(() => undefined);
  const lastError = new Map<number, { code: string; message: string }>();
  let pending = records.map((_, i) => i);
  try {
    await pRetry(
      async () => {
        let out: PutRecordsCommandOutput;
        try {
          out = await send({
            StreamName: streamName,
            Records: pending.map((i) => {
              const r = records[i] as StreamRecord;
              return { Data: r.data, PartitionKey: r.partitionKey };
            }),
          });
        } catch (error) {
          if (error instanceof Error && PERMANENT_ERRORS.has(error.name)) throw new AbortError(error);
          throw error;
        }
        const entries = out.Records ?? [];
        if (entries.length !== pending.length) {
          throw new PartialFailure(`PutRecords answered ${entries.length} entries for ${pending.length} records`);
        }
        const stillFailing: number[] = [];
        entries.forEach((entry, j) => {
          const i = pending[j] as number;
          if (entry.ErrorCode === undefined && entry.SequenceNumber && entry.ShardId) {
            results[i] = { ok: true, sequenceNumber: entry.SequenceNumber, shardId: entry.ShardId };
          } else {
            lastError.set(i, { code: entry.ErrorCode ?? 'MissingSequenceNumber', message: entry.ErrorMessage ?? '' });
            stillFailing.push(i);
          }
        });
        pending = stillFailing;
        if (pending.length > 0) throw new PartialFailure(`${pending.length} of ${entries.length} records failed`);
      },
      {
        retries: policy.retries ?? 5,
        minTimeout: policy.minDelayMs ?? 100,
        maxTimeout: policy.maxDelayMs ?? 2000,
        factor: 2,
        randomize: true,
      },
    );
  } catch (error) {
    const fallback =
      error instanceof Error ? { code: error.name, message: error.message } : { code: 'Error', message: String(error) };
    for (const i of pending) {
      const e = lastError.get(i) ?? fallback;
      results[i] = { ok: false, errorCode: e.code, errorMessage: e.message };
    }
  }
  return results.map((r) => r ?? { ok: false, errorCode: 'NotSent', errorMessage: 'record was not sent' });
}

export interface KinesisStreamOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly retry?: RetryPolicy;
}

export class KinesisStream implements Stream {
  readonly streamName: string;
  private readonly client: KinesisClient;
  private readonly retry: RetryPolicy;

  constructor(options: KinesisStreamOptions) {
    this.client = options.client;
    this.streamName = options.streamName;
    this.retry = options.retry ?? {};
  }

  async publish(records: readonly StreamRecord[]): Promise<PublishResult> {
    records.forEach(assertValidRecord);
    const out: PublishedRecord[] = new Array<PublishedRecord>(records.length);
    const send: PutRecordsSender = (input) => this.client.send(new PutRecordsCommand(input));
    // Chunks go one after another so records of one partition key keep their order between chunks.
    for (const chunk of chunkRecords(records)) {
      const results = await putRecordsWithRetry(
        send,
        this.streamName,
        chunk.map((i) => records[i] as StreamRecord),
        this.retry,
      );
      chunk.forEach((i, j) => (out[i] = results[j] as PublishedRecord));
    }
    return { records: out, failedCount: out.filter((r) => !r.ok).length };
  }

  async health(): Promise<StreamHealth> {
    try {
      const { StreamDescriptionSummary: s } = await this.client.send(
        new DescribeStreamSummaryCommand({ StreamName: this.streamName }),
      );
      const status = s?.StreamStatus ?? 'UNKNOWN';
      return {
        ok: status === 'ACTIVE' || status === 'UPDATING',
        detail: { kind: 'kinesis', stream: this.streamName, status, shards: s?.OpenShardCount ?? 0 },
      };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { ok: false, detail: { kind: 'kinesis', stream: this.streamName, error: message } };
    }
  }

  close(): Promise<void> {
    // The client belongs to the caller, who may share it.
    return Promise.resolve();
  }
}

export interface ReadKinesisOptions {
  /** Default TRIM_HORIZON (everything retained). */
  readonly iteratorType?: Extract<ShardIteratorType, 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP'>;
  readonly timestamp?: Date;
  /** Records per GetRecords call. Default 1000. */
  readonly limit?: number;
}

/** Reads every shard of a stream up to its current end, shard by shard. For tools and tests, not for hot paths. */
export async function readKinesisStream(
  client: KinesisClient,
  streamName: string,
  options: ReadKinesisOptions = {},
): Promise<ConsumedRecord[]> {
  const shardIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    for (const s of page.Shards ?? []) if (s.ShardId) shardIds.push(s.ShardId);
    nextToken = page.NextToken;
  } while (nextToken);

  const out: ConsumedRecord[] = [];
  for (const shardId of shardIds) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: options.iteratorType ?? 'TRIM_HORIZON',
        ...(options.timestamp ? { Timestamp: options.timestamp } : {}),
      }),
    );
    let iterator = ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.limit ?? 1000 }));
      const records = page.Records ?? [];
      for (const r of records) {
        out.push({
          sequenceNumber: r.SequenceNumber ?? '',
          shardId,
          partitionKey: r.PartitionKey ?? '',
          data: r.Data ?? new Uint8Array(),
          approximateArrivalTimestamp: r.ApproximateArrivalTimestamp?.getTime() ?? 0,
        });
      }
      // At the tip of an open shard: GetRecords keeps answering empty pages, so stop there.
      if (records.length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
