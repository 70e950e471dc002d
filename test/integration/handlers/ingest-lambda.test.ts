// The ingest Lambda handler, invoked with a real-shaped API Gateway v2 event, against Kinesis and DynamoDB in
// moto's server: an accepted request lands in the stream and its job in the jobs table.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeRecords } from '../../../src/api/envelope.ts';
import { createIngestHandler, ingestApiFromEnv } from '../../../src/handlers/ingest-api.ts';
import { jobsTableDefinition, runsTableDefinition } from '../../../src/metadata/dynamodb.ts';
import { readKinesisStream } from '../../../src/stream/kinesis.ts';
import { validEvent } from '../../helpers/collect.ts';
import { startMoto, type Moto } from '../../helpers/moto.ts';

let moto: Moto;
const template = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/events/apigw-v2-post.json'), 'utf8'),
) as APIGatewayProxyEventV2;

beforeAll(async () => {
  moto = await startMoto();
  const kinesis = new KinesisClient(moto.clientConfig);
  await kinesis.send(new CreateStreamCommand({ StreamName: 'lakehouse-test-ingest', ShardCount: 2 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: 'lakehouse-test-ingest' });
  const dynamodb = new DynamoDBClient(moto.clientConfig);
  await dynamodb.send(new CreateTableCommand(runsTableDefinition('lakehouse-test-runs')));
  await dynamodb.send(new CreateTableCommand(jobsTableDefinition('lakehouse-test-jobs')));
  process.env.LAKEHOUSE_STREAM_NAME = 'lakehouse-test-ingest';
  process.env.LAKEHOUSE_RUNS_TABLE = 'lakehouse-test-runs';
  process.env.LAKEHOUSE_JOBS_TABLE = 'lakehouse-test-jobs';
}, 60_000);
afterAll(() => moto?.stop());

describe('ingest Lambda handler (API Gateway v2 → Kinesis + DynamoDB in moto)', () => {
  it('accepts NDJSON, publishes an envelope to Kinesis, records the job; rejects invalid input with 400', async () => {
    const handler = createIngestHandler(() =>
      ingestApiFromEnv({ kinesis: moto.clientConfig, dynamodb: moto.clientConfig }),
    );
    const body = [1, 2, 3]
      .map((i) => JSON.stringify(validEvent({ event_id: `00000000-0000-4000-8000-00000000000${i}` })))
      .join('\n');
    const accepted = await handler({ ...template, body: Buffer.from(body).toString('base64') });
    expect(accepted.statusCode).toBe(202);
    const { jobId } = JSON.parse(accepted.body as string) as { jobId: string };

    const records = await readKinesisStream(new KinesisClient(moto.clientConfig), 'lakehouse-test-ingest');
    const envelopes = records.map((r) => envelopeRecords(r.data));
    expect(envelopes).toHaveLength(1);
    expect(envelopes[0]?.header).toMatchObject({ v: 2, jobId, dataset: 'events', part: 0, parts: 1, records: 3 });
    expect(envelopes[0]?.records).toEqual(body.split('\n').map((line) => JSON.parse(line) as unknown));
    expect(records[0]?.partitionKey).toBe(`events/${jobId}`);

    const job = await handler({
      ...template,
      routeKey: 'GET /v1/jobs/{jobId}',
      rawPath: `/v1/jobs/${jobId}`,
      requestContext: { ...template.requestContext, http: { ...template.requestContext.http, method: 'GET' } },
      body: undefined,
      isBase64Encoded: false,
    });
    expect(job.statusCode).toBe(200);
    expect(JSON.parse(job.body as string)).toMatchObject({ jobId, status: 'accepted', counts: { received: 3 } });

    const rejected = await handler({ ...template, body: Buffer.from('{"event_id": 1}\n').toString('base64') });
    expect(rejected.statusCode).toBe(400);
    expect((await readKinesisStream(new KinesisClient(moto.clientConfig), 'lakehouse-test-ingest')).length).toBe(1);
  });
});
