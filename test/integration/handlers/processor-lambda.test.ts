// The processor Lambda handler with a real-shaped Kinesis event, against Glue, S3 and DynamoDB in moto's server:
// it creates raw and processed Iceberg tables in Glue, appends once, and a redelivered event is a no-op. A delivery
// whose quarantine write or job update fails is finished by Lambda's retry, once: quarantine object and job counts.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../../src/api/envelope.ts';
import { GlueCatalog } from '../../../src/catalog/glue.ts';
import { createProcessorHandler, streamProcessorFromEnv } from '../../../src/handlers/stream-processor.ts';
import { Table } from '../../../src/iceberg/table.ts';
import { S3FileIO } from '../../../src/io/s3.ts';
import { DynamoMetadataStore, jobsTableDefinition, runsTableDefinition } from '../../../src/metadata/dynamodb.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { toKinesisEvent } from '../../../src/stream/lambda-event.ts';
import { startMoto, type Moto } from '../../helpers/moto.ts';

let moto: Moto;
const config = () => ({ ...moto.clientConfig });

beforeAll(async () => {
  moto = await startMoto();
  await new S3Client({ ...config(), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'lake' }));
  const dynamodb = new DynamoDBClient(config());
  await dynamodb.send(new CreateTableCommand(runsTableDefinition('runs')));
  await dynamodb.send(new CreateTableCommand(jobsTableDefinition('jobs')));
  Object.assign(process.env, {
    LAKEHOUSE_WAREHOUSE: 's3://lake/tables',
    LAKEHOUSE_QUARANTINE: 's3://lake/quarantine',
    LAKEHOUSE_STREAM_NAME: 'lakehouse-test-ingest',
    LAKEHOUSE_RUNS_TABLE: 'runs',
    LAKEHOUSE_JOBS_TABLE: 'jobs',
  });
}, 60_000);
afterAll(() => moto?.stop());

describe('processor Lambda handler (Kinesis event → Glue/S3 Iceberg tables in moto)', () => {
  it('commits raw and processed tables once, quarantines bad records, moves the job on, and ignores redelivery', async () => {
    const metadata = new DynamoMetadataStore({
      client: new DynamoDBClient(config()),
      runsTable: 'runs',
      jobsTable: 'jobs',
    });
    await metadata.putJob({ jobId: 'job-1', dataset: 'events', counts: { received: 200 } });
    const lines = [...eventRecords(199, { seed: 8, invalidRate: 0 }), '{"event_id":"not-valid"}'];
    const records = toStreamRecords('job-1', 'events', lines).map((r, i) => ({
      ...r,
      sequenceNumber: String(49_650_000_000_000_000_000n + BigInt(i)),
      shardId: 'shardId-000000000000',
      approximateArrivalTimestamp: Date.UTC(2026, 10, 23, 8),
    }));
    const event = toKinesisEvent(records, { streamName: 'lakehouse-test-ingest', region: 'us-east-1' });
    const handler = createProcessorHandler(() =>
      streamProcessorFromEnv({ glue: config(), s3: { ...config(), forcePathStyle: true }, dynamodb: config() }),
    );
    expect(await handler(event)).toEqual({ batchItemFailures: [] });

    const glue = new GlueClient(config());
    const catalog = new GlueCatalog({
      warehouse: 's3://lake/tables',
      client: glue,
      io: new S3FileIO(new S3Client({ ...config(), forcePathStyle: true })),
    });
    const processed = await Table.load(catalog, { namespace: 'processed', name: 'events' });
    const raw = await Table.load(catalog, { namespace: 'raw', name: 'events' });
    const summary = (t: Table) => t.metadata.snapshots.map((s) => s.summary);
    expect(summary(processed).map((s) => s['added-records'])).toEqual(['199']);
    expect(summary(raw).map((s) => s['added-records'])).toEqual(['200']);
    const glueTable = await glue.send(new GetTableCommand({ DatabaseName: 'processed', Name: 'events' }));
    expect(glueTable.Table?.Parameters?.table_type).toBe('ICEBERG');

    const job = await metadata.getJob('job-1');
    expect(job).toMatchObject({ status: 'committed', counts: { accepted: 199, quarantined: 1 } });
    expect(job?.snapshotId).toBe(processed.metadata['current-snapshot-id']?.toString());

    // Lambda retries deliver the same records again: nothing new is written.
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    await processed.refresh();
    expect(processed.metadata.snapshots).toHaveLength(1);
    const quarantined = await new S3FileIO(new S3Client({ ...config(), forcePathStyle: true })).list(
      's3://lake/quarantine/events',
    );
    expect(quarantined).toHaveLength(1);
  });

  it('a delivery whose S3 quarantine or DynamoDB job update fails is finished once by the retry', async () => {
    const metadata = new DynamoMetadataStore({
      client: new DynamoDBClient(config()),
      runsTable: 'runs',
      jobsTable: 'jobs',
    });
    const s3 = new S3FileIO(new S3Client({ ...config(), forcePathStyle: true }));
    /** A handler whose processor is built with these settings (the stacks' environment), the others as set. */
    const handlerWith = async (env: Record<string, string>) => {
      Object.assign(process.env, env);
      const processor = await streamProcessorFromEnv({
        glue: config(),
        s3: { ...config(), forcePathStyle: true },
        dynamodb: config(),
      });
      Object.assign(process.env, { LAKEHOUSE_QUARANTINE: 's3://lake/quarantine', LAKEHOUSE_JOBS_TABLE: 'jobs' });
      return createProcessorHandler(() => Promise.resolve(processor));
    };
    const deliver = async (jobId: string, firstSequence: bigint, seed: number) => {
      await metadata.putJob({ jobId, dataset: 'events', counts: { received: 100 } });
      const lines = [...eventRecords(97, { seed, invalidRate: 0 }), '{"a":1}', '[]', '{'];
      const records = toStreamRecords(jobId, 'events', lines).map((r, i) => ({
        ...r,
        sequenceNumber: String(firstSequence + BigInt(i)),
        shardId: 'shardId-000000000000',
        approximateArrivalTimestamp: Date.UTC(2026, 10, 23, 9),
      }));
      return toKinesisEvent(records, { streamName: 'lakehouse-test-ingest', region: 'us-east-1' });
    };
    const good = await handlerWith({});
    const objects = async () => (await s3.list('s3://lake/quarantine/events')).length;
    const before = await objects();

    // The quarantine bucket is missing on the first try: nothing may be committed without its quarantine.
    const first = await deliver('job-q', 49_660_000_000_000_000_000n, 11);
    const noBucket = await handlerWith({ LAKEHOUSE_QUARANTINE: 's3://missing-bucket/quarantine' });
    expect((await noBucket(first)).batchItemFailures).toHaveLength(1);
    expect(await good(first)).toEqual({ batchItemFailures: [] });
    expect(await good(first)).toEqual({ batchItemFailures: [] });
    expect(await objects()).toBe(before + 1);
    expect(await metadata.getJob('job-q')).toMatchObject({
      status: 'committed',
      counts: { received: 100, accepted: 97, quarantined: 3, parts_done: 1 },
    });

    // The jobs table is missing on the first try, after the commits: the redelivery completes the job, once.
    const second = await deliver('job-m', 49_670_000_000_000_000_000n, 12);
    const noJobs = await handlerWith({ LAKEHOUSE_JOBS_TABLE: 'missing-jobs' });
    expect((await noJobs(second)).batchItemFailures).toHaveLength(1);
    expect(await metadata.getJob('job-m')).toMatchObject({ status: 'accepted' });
    expect(await good(second)).toEqual({ batchItemFailures: [] });
    expect(await good(second)).toEqual({ batchItemFailures: [] });
    expect(await objects()).toBe(before + 2);
    expect(await metadata.getJob('job-m')).toMatchObject({
      status: 'committed',
      counts: { received: 100, accepted: 97, quarantined: 3, parts_done: 1 },
    });
  });
});
