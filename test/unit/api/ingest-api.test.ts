// The ingest API over real HTTP (Fastify on 127.0.0.1), with the real local stream and metadata store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { envelopeRecords } from '../../../src/api/envelope.ts';
import { MAX_RECORD_BYTES, MAX_RECORD_DEPTH, MAX_RECORDS_PER_REQUEST } from '../../../src/api/limits.ts';
import { createDispatch } from '../../../src/api/dispatch.ts';
import { IngestApi } from '../../../src/api/service.ts';
import { BUILTIN_CONTRACTS, loadContract } from '../../../src/contracts/load.ts';
import { SqliteMetadataStore, metadataDbPath } from '../../../src/metadata/index.ts';
import { LocalStream, LogReader, localStreamDir } from '../../../src/stream/index.ts';
import { validEvent } from '../../helpers/collect.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { startLocalApi } from './local-api.ts';

let base = '';
let reader: LogReader;
let close: () => Promise<void> = async () => {};
const published = async () => (await reader.read(0, 10_000)).map((e) => envelopeRecords(e.data));

beforeAll(async () => {
  const local = await startLocalApi(await Promise.all(BUILTIN_CONTRACTS.map((name) => loadContract(name))), {
    maxBodyBytes: 64 * 1024,
  });
  ({ base, close } = local);
  reader = new LogReader(localStreamDir(local.warehouse, 'ingest'));
});
afterAll(() => close());

const post = (dataset: string, body: string, type = 'application/json') =>
  fetch(`${base}/v1/datasets/${dataset}/records`, { method: 'POST', body, headers: { 'content-type': type } });
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('ingest API', () => {
  it('202 for a JSON object, a JSON array, NDJSON and CSV; the records reach the stream; the job is readable', async () => {
    const before = (await published()).length;
    const responses = await Promise.all([
      post('events', JSON.stringify(validEvent({ event_id: id(1) }))),
      post('events', JSON.stringify([validEvent({ event_id: id(2) }), validEvent({ event_id: id(3) })])),
      post(
        'events',
        `${JSON.stringify(validEvent({ event_id: id(4) }))}\n${JSON.stringify(validEvent({ event_id: id(5) }))}\n`,
        'application/x-ndjson',
      ),
      post(
        'events',
        `event_id,user_id,event_type,event_ts,country,session_id\n${id(6)},u000001,click,2026-11-01T00:00:00Z,us,s\n`,
        'text/csv; charset=utf-8',
      ),
    ]);
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { jobId: string; received: number }[];
    expect(bodies.map((b) => b.received)).toEqual([1, 2, 2, 1]);
    const envelopes = (await published()).slice(before);
    expect(
      envelopes
        .flatMap((e) => e.records as { event_id: string }[])
        .map((r) => r.event_id)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5, 6].map(id));
    const csvRecord = envelopes.find((e) => e.header.jobId === bodies[3]?.jobId)?.records[0];
    expect(csvRecord).toMatchObject({ event_id: id(6), country: 'us', session_id: 's' }); // coerced to JSON, transforms run later
    const job = await fetch(`${base}/v1/jobs/${bodies[1]?.jobId}`);
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({
      jobId: bodies[1]?.jobId,
      dataset: 'events',
      status: 'accepted',
      counts: { received: 2 },
    });
  });

  it('400 lists every violation of every record and publishes nothing', async () => {
    const before = (await published()).length;
    const response = await post(
      'events',
      JSON.stringify([
        validEvent({ event_id: id(7) }),
        validEvent({ event_id: id(8), user_id: 'x', country: 'FRA' }),
        { nope: 1 },
      ]),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      detail: string;
      records: { line: number; violations: { path: string; rule: string }[] }[];
    };
    expect(body.detail).toMatch(/2 of 3 records are invalid; nothing was published/);
    expect(body.records.map((r) => r.line)).toEqual([2, 3]);
    expect(body.records[0]?.violations.map((v) => v.path).sort()).toEqual(['/country', '/user_id']);
    expect(body.records[1]?.violations.length).toBeGreaterThanOrEqual(7);
    expect((await published()).length).toBe(before);
    expect((await post('events', '{"broken": ', 'application/json')).status).toBe(400);
    expect((await post('events', '', 'application/json')).status).toBe(400);
  });

  it('413 over the size limit, 415 for an unsupported type, 404 for an unknown dataset or job, 405 wrong method', async () => {
    const big = JSON.stringify(Array.from({ length: 400 }, (_, i) => validEvent({ event_id: id(1000 + i) })));
    const tooLarge = await post('events', big);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { detail: string }).detail).toMatch(/over the 65536-byte limit/);
    const unsupported = await post('events', '<a/>', 'application/xml');
    expect(unsupported.status).toBe(415);
    expect(((await unsupported.json()) as { detail: string }).detail).toMatch(/application\/xml.*application\/json/);
    const unknown = await post('clicks', '{}');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(
      /unknown dataset "clicks".*events, users, orders/,
    );
    expect((await fetch(`${base}/v1/jobs/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await fetch(`${base}/v1/jobs/nope`)).status).toBe(400); // not a UUID: breaks the parameter's schema
    expect((await fetch(`${base}/v1/datasets/events/records`)).status).toBe(405);
  });

  it('GET /health reports the stream and the catalog', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', stream: { ok: true } });
  });

  it('serves an OpenAPI 3.1 document generated from the contracts, whose schemas compile', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, object> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/datasets/events/records', '/v1/jobs/{jobId}', '/health']),
    );
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const validate = ajv.compile({ $ref: 'doc#/components/schemas/events' });
    expect(validate(validEvent())).toBe(true);
    expect(validate({ ...validEvent(), event_type: 'hover' })).toBe(false);
  });

  it('publishes its limits in the OpenAPI document, and a real 400 matches the documented Rejected schema', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, { post: { description: string; 'x-lakehouse-limits': Record<string, number> } }>;
      components: Record<string, unknown>;
    };
    const operation = doc.paths['/v1/datasets/events/records']?.post;
    expect(operation?.['x-lakehouse-limits']).toMatchObject({
      maxBodyBytes: 64 * 1024,
      maxRecordBytes: MAX_RECORD_BYTES,
      maxRecordsPerRequest: MAX_RECORDS_PER_REQUEST,
      maxRecordDepth: MAX_RECORD_DEPTH,
    });
    expect(operation?.description).toContain(`at most 65536 bytes and ${MAX_RECORDS_PER_REQUEST} records`);
    expect(operation?.description).toContain(`${MAX_RECORD_BYTES} bytes as published`);
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const rejected = ajv.compile({ $ref: 'doc#/components/schemas/Rejected' });
    const many = JSON.stringify(Array.from({ length: 150 }, (_, i) => ({ n: i, event_id: 'x' })));
    const response = await post('events', many);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { truncated: boolean };
    expect(body.truncated).toBe(true);
    expect(rejected(body), JSON.stringify(rejected.errors)).toBe(true);
  });
});

describe('API key authentication (local, off by default)', () => {
  it('401 without the key, 202 with it', async () => {
    const dir = tempDir();
    const stream = await LocalStream.open(dir, 'ingest');
    const metadata = new SqliteMetadataStore(metadataDbPath(dir));
    const api = new IngestApi({ contracts: [await loadContract('events')], stream, metadata, apiKey: 'secret' });
    const dispatch = createDispatch(api);
    const request = (key?: string) =>
      dispatch({
        method: 'POST',
        path: '/v1/datasets/events/records',
        headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
        body: Buffer.from(JSON.stringify(validEvent())),
      });
    expect((await request()).status).toBe(401);
    expect((await request('wrong!')).status).toBe(401);
    expect((await request('secret')).status).toBe(202);
    await stream.close();
    await metadata.close();
  });
});
