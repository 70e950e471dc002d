// Bridges between consumed records and the Kinesis event that Lambda delivers, in both directions, so one
// processor handler runs on the local consumer and in AWS:
//   - `toKinesisEvent` builds a real-shaped `KinesisStreamEvent` (base64 data, seconds timestamps, ARNs);
//   - `fromKinesisEvent` turns a Lambda event back into `ConsumedRecord`s for handlers written against those;
//   - `lambdaBatchHandler` wraps a Lambda-style handler as the local consumer's `BatchHandler`.
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchHandler, BatchResponse, ConsumedRecord } from './types.ts';

export interface KinesisEventSource {
  readonly streamName: string;
  readonly region?: string;
  readonly accountId?: string;
  /** The execution role of the function, as Lambda fills `invokeIdentityArn`. */
  readonly invokeIdentityArn?: string;
}

const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '000000000000';

export function toKinesisEvent(records: readonly ConsumedRecord[], source: KinesisEventSource): KinesisStreamEvent {
  const region = source.region ?? LOCAL_REGION;
  const account = source.accountId ?? LOCAL_ACCOUNT;
  const eventSourceARN = `arn:aws:kinesis:${region}:${account}:stream/${source.streamName}`;
  const invokeIdentityArn = source.invokeIdentityArn ?? `arn:aws:iam::${account}:role/lakehouse-processor`;
  return {
    Records: records.map((r): KinesisStreamRecord => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
        // Lambda gives seconds with a fraction.
        approximateArrivalTimestamp: r.approximateArrivalTimestamp / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${r.shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn,
      awsRegion: region,
      eventSourceARN,
    })),
  };
}

export function fromKinesisEvent(event: KinesisStreamEvent): ConsumedRecord[] {
  return event.Records.map((r) => ({
    sequenceNumber: r.kinesis.sequenceNumber,
    shardId: r.eventID.slice(0, Math.max(0, r.eventID.indexOf(':'))),
    partitionKey: r.kinesis.partitionKey,
    data: Buffer.from(r.kinesis.data, 'base64'),
    approximateArrivalTimestamp: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
  }));
}

/** A Lambda Kinesis handler as the code deploys it (context and callback unused by ours). */
export type LambdaKinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

/** Runs a Lambda Kinesis handler under the local consumer: records become a real-shaped event, `void` means all succeeded. */
export function lambdaBatchHandler(handler: LambdaKinesisHandler, source: KinesisEventSource): BatchHandler {
  return async (batch): Promise<BatchResponse> => {
    const response = await handler(toKinesisEvent(batch, source));
    return { batchItemFailures: response?.batchItemFailures ?? [] };
  };
}
