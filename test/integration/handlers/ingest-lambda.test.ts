// The ingest Lambda handler, invoked with a real-shaped API Gateway v2 event, against Kinesis and DynamoDB in
// moto's server: an accepted request lands in the stream and its job in the jobs table.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeRecords } from '../../../src/api/envelope.ts';
import { MAX_RECORD_BYTES } from '../../../src/api/limits.ts';
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
    expect(accepted.headers?.location).toBe(`/v1/jobs/${jobId}`);

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
    expect(JSON.parse(job.body as string)).toMatchObject({
      jobId,
      status: 'accepted',
      counts: { received: 3 },
      timeline: [{ step: 'accepted', records: 3 }],
    });

    const rejected = await handler({ ...template, body: Buffer.from('{"event_id": 1}\n').toString('base64') });
    expect(rejected.statusCode).toBe(400);
    expect(rejected.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(rejected.body as string)).toMatchObject({
      type: 'tag:lakehouse,2026:problems/invalid-records',
      status: 400,
      instance: '/v1/datasets/events/records',
      received: 1,
      rejected: 1,
    });
    expect((await readKinesisStream(new KinesisClient(moto.clientConfig), 'lakehouse-test-ingest')).length).toBe(1);
  });

  it('?mode=partial publishes every record to Kinesis, the invalid one flagged for quarantine, and answers 207', async () => {
    const handler = createIngestHandler(() =>
      ingestApiFromEnv({ kinesis: moto.clientConfig, dynamodb: moto.clientConfig }),
    );
    const kinesis = new KinesisClient(moto.clientConfig);
    const body = `${JSON.stringify(validEvent({ event_id: '00000000-0000-4000-8000-000000000077' }))}\n{"broken": \n`;
    const answer = await handler({
      ...template,
      rawQueryString: 'mode=partial',
      body: Buffer.from(body).toString('base64'),
    });
    expect(answer.statusCode).toBe(207);
    const result = JSON.parse(answer.body as string) as { jobId: string };
    expect(result).toMatchObject({ received: 2, accepted: 1, quarantined: 1, records: [{ line: 2, reason: 'parse' }] });
    expect(answer.headers?.location).toBe(`/v1/jobs/${result.jobId}`);
    // Two shards: the stream's order is not the publishing order, so the job's envelopes are found by its id.
    const envelopes = (await readKinesisStream(kinesis, 'lakehouse-test-ingest'))
      .map((r) => envelopeRecords(r.data))
      .filter((e) => e.header.jobId === result.jobId);
    expect(envelopes).toHaveLength(1);
    expect(envelopes[0]?.header).toMatchObject({ jobId: result.jobId, records: 2, quarantined: [2] });
    expect(envelopes[0]?.records[1]).toBe('{"broken": ');

    const badMode = await handler({
      ...template,
      rawQueryString: 'mode=maybe',
      body: Buffer.from(body).toString('base64'),
    });
    expect(badMode.statusCode).toBe(400);
    expect(JSON.parse(badMode.body as string)).toMatchObject({
      type: 'tag:lakehouse,2026:problems/invalid-parameters',
    });
  });

  it('hostile bodies get the same bounded 4xx as over HTTP and publish nothing: bad UTF-8, 10,000 levels, a 900 KiB record, 130,000 lines', async () => {
    const handler = createIngestHandler(() =>
      ingestApiFromEnv({ kinesis: moto.clientConfig, dynamodb: moto.clientConfig }),
    );
    const kinesis = new KinesisClient(moto.clientConfig);
    const before = (await readKinesisStream(kinesis, 'lakehouse-test-ingest')).length;
    const post = async (body: Buffer, type: string) => {
      const result = await handler({
        ...template,
        headers: { ...template.headers, 'Content-Type': type },
        body: body.toString('base64'),
        isBase64Encoded: true,
      });
      return {
        status: result.statusCode,
        bytes: Buffer.byteLength(result.body ?? ''),
        body: JSON.parse(result.body ?? '') as { records?: { violations: { rule: string }[] }[] },
      };
    };
    const event = JSON.stringify(validEvent({ event_id: '00000000-0000-4000-8000-000000000099' }));
    const [head, tail] = event.split('"s-1"') as [string, string];
    const badUtf8 = await post(
      Buffer.concat([Buffer.from(head), Buffer.from([0x22, 0xff, 0x22]), Buffer.from(tail)]),
      'application/json',
    );
    expect(badUtf8.status).toBe(400);
    expect(badUtf8.body.records?.[0]?.violations[0]?.rule).toBe('encoding');
    const deep = await post(Buffer.from(`{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), 'application/json');
    expect(deep.status).toBe(400);
    expect(deep.body.records?.[0]?.violations[0]?.rule).toBe('too_deep');
    const padded = Buffer.concat([Buffer.from('{'), Buffer.alloc(MAX_RECORD_BYTES, 0x20), Buffer.from(event.slice(1))]);
    const large = await post(padded, 'application/x-ndjson');
    expect(large.status).toBe(400);
    expect(large.body.records?.[0]?.violations[0]?.rule).toBe('too_large');
    const many = await post(Buffer.from('{}\n'.repeat(130_000)), 'application/x-ndjson');
    expect(many.status).toBe(413);
    for (const answer of [badUtf8, deep, large, many]) expect(answer.bytes).toBeLessThan(1024);
    expect((await readKinesisStream(kinesis, 'lakehouse-test-ingest')).length).toBe(before);
  });
});
