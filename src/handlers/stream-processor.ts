// Lambda on the Kinesis event source mapping (ReportBatchItemFailures): decodes the event and hands the records to
// the StreamProcessor, which writes raw and processed Iceberg tables through the Glue catalog. Thin by design.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { GlueClientConfig } from '@aws-sdk/client-glue';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { GlueCatalog } from '../catalog/glue.ts';
import { BUILTIN_CONTRACTS, loadContract } from '../contracts/load.ts';
import { S3FileIO } from '../io/s3.ts';
import { DynamoMetadataStore } from '../metadata/dynamodb.ts';
import { IcebergTables } from '../processor/iceberg-tables.ts';
import { StreamProcessor } from '../processor/processor.ts';
import { FileIOQuarantine } from '../processor/quarantine-sink.ts';
import { fromKinesisEvent } from '../stream/lambda-event.ts';
import { requiredEnv } from './env.ts';

export interface ProcessorClientConfigs {
  readonly glue?: GlueClientConfig;
  readonly s3?: S3ClientConfig;
  readonly dynamodb?: DynamoDBClientConfig;
}

/** The processor wired to Glue, S3 and DynamoDB as named by the environment the stacks set. */
export async function streamProcessorFromEnv(clients: ProcessorClientConfigs = {}): Promise<StreamProcessor> {
  const io = new S3FileIO(clients.s3 ?? {});
  const catalog = new GlueCatalog({
    warehouse: requiredEnv('LAKEHOUSE_WAREHOUSE'),
    io,
    clientConfig: clients.glue ?? {},
  });
  return new StreamProcessor({
    contracts: await Promise.all(BUILTIN_CONTRACTS.map((name) => loadContract(name))),
    tables: new IcebergTables(catalog),
    metadata: new DynamoMetadataStore({
      client: new DynamoDBClient(clients.dynamodb ?? {}),
      runsTable: requiredEnv('LAKEHOUSE_RUNS_TABLE'),
      jobsTable: requiredEnv('LAKEHOUSE_JOBS_TABLE'),
    }),
    quarantine: new FileIOQuarantine(io, requiredEnv('LAKEHOUSE_QUARANTINE')),
    streamName: requiredEnv('LAKEHOUSE_STREAM_NAME'),
    rawNamespace: process.env.LAKEHOUSE_RAW_DATABASE ?? 'raw',
    processedNamespace: process.env.LAKEHOUSE_PROCESSED_DATABASE ?? 'processed',
  });
}

export function createProcessorHandler(
  build: () => Promise<StreamProcessor>,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  let processor: Promise<StreamProcessor> | undefined;
  return async (event) => {
    processor ??= build();
    const response = await (await processor).handle(fromKinesisEvent(event));
    return { batchItemFailures: response.batchItemFailures.map((f) => ({ itemIdentifier: f.itemIdentifier })) };
  };
}

export const handler = createProcessorHandler(() => streamProcessorFromEnv());
