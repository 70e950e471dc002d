// The ingest API's conventions, through both adapters (Fastify over real HTTP, the Lambda handler with API Gateway
// v2 events) in front of one API: RFC 9457 problem details on every error path, routing with schema'd parameters,
// the OpenAPI document (valid, with an example for every request and response) and every real answer checked
// against it, /docs, the Location of a job and its timeline, and `?mode=partial`'s accounting end to end through
// the stream processor.
import { Validator } from '@seriousme/openapi-schema-validator';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatch } from '../../../src/api/dispatch.ts';
import { envelopeRecords } from '../../../src/api/envelope.ts';
import { MAX_RECORD_BYTES } from '../../../src/api/limits.ts';
import { PROBLEM_TYPES } from '../../../src/api/problem.ts';
import { createServer } from '../../../src/api/server.ts';
import { IngestApi } from '../../../src/api/service.ts';
import { BUILTIN_CONTRACTS, loadContract } from '../../../src/contracts/load.ts';
import type { Contract } from '../../../src/contracts/model.ts';
import { createIngestHandler } from '../../../src/handlers/ingest-api.ts';
import { warehouseProcessor } from '../../../src/pipeline/local-processor.ts';
import type { ConsumedRecord, Stream } from '../../../src/stream/types.ts';
import { LocalStream, LogReader, localStreamDir } from '../../../src/stream/index.ts';
import { validEvent } from '../../helpers/collect.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { startLocalApi } from './local-api.ts';

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
};
type MediaType = { schema: Record<string, unknown>; example?: unknown; examples?: Record<string, { value: unknown }> };
type Operation = {
  parameters?: { example?: unknown; $ref?: string }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType>; headers?: Record<string, unknown> }>;
};

const event = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/events/apigw-v2-post.json'), 'utf8'),
) as APIGatewayProxyEventV2;
const RECORDS_PATH = '/v1/datasets/events/records';
const JSON_TYPE = 'application/json';
const PROBLEM_TYPE = 'application/problem+json';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

let contracts: Contract[];
let base = '';
let warehouse = '';
let doc: OpenApi;
let lambda: ReturnType<typeof createIngestHandler>;
let close: () => Promise<void> = async () => {};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

beforeAll(async () => {
  contracts = await Promise.all(BUILTIN_CONTRACTS.map((name) => loadContract(name)));
  const local = await startLocalApi(contracts);
  ({ base, close, warehouse } = local);
  lambda = createIngestHandler(async () => local.api);
  doc = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApi;
  ajv.addSchema({ $id: 'doc', components: doc.components, paths: doc.paths });
});
afterAll(() => close());

async function viaHttp(method: string, path: string, body?: string, type = JSON_TYPE): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
    headers: { 'content-type': type },
  });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: JSON.parse(await response.text()) as Record<string, unknown>,
  };
}

async function viaLambda(method: string, path: string, body?: string, type = JSON_TYPE): Promise<Answer> {
  const [rawPath = '', rawQueryString = ''] = path.split('?');
  const result = await lambda({
    ...event,
    rawPath,
    rawQueryString,
    requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method, path: rawPath } },
    headers: { ...event.headers, 'Content-Type': type },
    body: Buffer.from(body ?? '').toString('base64'),
    isBase64Encoded: true,
  });
  return {
    status: result.statusCode ?? 0,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: JSON.parse(result.body ?? '') as Record<string, unknown>,
  };
}

/** A schema inside the document, as a validator: referenced by its JSON Pointer, so its `$ref`s resolve. */
function validatorAt(...segments: string[]) {
  const pointer = segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
  return ajv.compile({ $ref: `doc#/${pointer}` });
}

/** The documented schema of a response, as a validator. */
function responseValidator(path: string, method: string, status: number, type: string) {
  const media = doc.paths[path]?.[method]?.responses[String(status)]?.content?.[type];
  expect(media, `${method} ${path} documents ${status} ${type}`).toBeDefined();
  return validatorAt('paths', path, method, 'responses', String(status), 'content', type, 'schema');
}

/** Checks a real answer against the document: its status, its content type and its body's schema. */
function conforms(answer: Answer, path: string, method: string): void {
  const type = answer.headers['content-type']?.split(';')[0] ?? '';
  const validate = responseValidator(path, method, answer.status, type);
  expect(validate(answer.body), `${answer.status} ${JSON.stringify(validate.errors)}`).toBe(true);
}

/** The same answer from both adapters; it conforms to the document under `documented` (the path as documented). */
async function both(method: string, path: string, documented: string, body?: string, type?: string) {
  const http = await viaHttp(method, path, body, type);
  const aws = await viaLambda(method, path, body, type);
  expect(aws.status, path).toBe(http.status);
  expect(aws.headers['content-type']).toBe(http.headers['content-type']?.split(';')[0]);
  const stable = (a: Answer) => ({ ...a.body, jobId: undefined, detail: undefined });
  expect(stable(aws)).toEqual(stable(http));
  conforms(http, documented, method.toLowerCase());
  return http;
}

describe('errors are RFC 9457 problem details from both adapters', () => {
  it('every error path: problem+json with type, title, status, detail, instance, conforming to the document', async () => {
    const cases: [string, string, string, number, string?, string?][] = [
      ['POST', RECORDS_PATH, RECORDS_PATH, 400, JSON.stringify([validEvent({ event_id: id(1) }), { nope: 1 }])],
      ['POST', RECORDS_PATH, RECORDS_PATH, 400, '{"broken": '],
      ['POST', RECORDS_PATH, RECORDS_PATH, 400, ''],
      ['POST', RECORDS_PATH, RECORDS_PATH, 413, '{}\n'.repeat(60_000), 'application/x-ndjson'],
      ['POST', RECORDS_PATH, RECORDS_PATH, 415, '<a/>', 'application/xml'],
      ['POST', '/v1/datasets/clicks/records', '/v1/datasets/{dataset}/records', 404, '{}'],
      ['POST', '/v1/datasets/Bad!/records', '/v1/datasets/{dataset}/records', 400, '{}'],
      ['GET', `/v1/jobs/${id(999)}`, '/v1/jobs/{jobId}', 404],
      ['GET', '/v1/jobs/not-a-uuid', '/v1/jobs/{jobId}', 400],
    ];
    for (const [method, path, documented, status, body, type] of cases) {
      const answer = await both(method, path, documented, body, type);
      expect(answer.status, path).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({
        type: expect.any(String),
        title: expect.any(String),
        status,
        detail: expect.any(String),
        instance: path.split('?')[0],
      });
    }
    // Paths the document does not describe: no route, wrong method (405 with Allow), a bad percent-escape.
    for (const [method, path, status] of [
      ['GET', '/v1/nothing', 404],
      ['GET', RECORDS_PATH, 405],
      ['DELETE', `/v1/jobs/${id(1)}`, 405],
      ['GET', '/v1/jobs/%FF', 400],
    ] as const) {
      const http = await viaHttp(method, path);
      const aws = await viaLambda(method, path);
      expect([http.status, aws.status], path).toEqual([status, status]);
      expect(aws.body).toEqual(http.body);
      expect(http.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(aws.headers['content-type']).toBe(PROBLEM_TYPE);
      expect(ajv.validate({ $ref: 'doc#/components/schemas/Problem' }, http.body)).toBe(true);
      if (status === 405)
        expect([http.headers.allow, aws.headers.allow]).toEqual([
          method === 'GET' ? 'POST' : 'GET',
          method === 'GET' ? 'POST' : 'GET',
        ]);
    }
  });

  it('invalid records are the invalid-records type with the bounded totals; a bad parameter is invalid-parameters', async () => {
    const records = await both(
      'POST',
      RECORDS_PATH,
      RECORDS_PATH,
      JSON.stringify([{ nope: 1 }, validEvent({ country: 'FRA' })]),
    );
    expect(records.body).toMatchObject({
      type: PROBLEM_TYPES.invalidRecords.uri,
      received: 2,
      rejected: 2,
      truncated: false,
      records: [{ line: 1 }, { line: 2, violations: [{ path: '/country' }] }],
    });
    const mode = await both('POST', `${RECORDS_PATH}?mode=some`, RECORDS_PATH, JSON.stringify(validEvent()));
    expect(mode.body).toMatchObject({
      type: PROBLEM_TYPES.invalidParameters.uri,
      status: 400,
      violations: [{ path: '/querystring/mode', rule: 'enum', actual: 'some' }],
    });
    const job = await both('GET', `/v1/jobs/${'j'.repeat(300)}`, '/v1/jobs/{jobId}');
    expect(job.body).toMatchObject({ violations: [{ path: '/params/jobId', rule: 'pattern' }] });
    expect(String((job.body.violations as { actual: string }[])[0]?.actual).length).toBeLessThanOrEqual(161);
  });

  it('500 (an operation throws) is a problem from both adapters, without the cause', async () => {
    const dir = tempDir();
    const stream = await LocalStream.open(dir, 'ingest');
    const { metadata } = warehouseProcessor(dir, { contracts, streamName: 'ingest' });
    const broken = Object.assign(Object.create(metadata) as typeof metadata, {
      getJob: async () => {
        throw new Error('secret table name');
      },
    });
    const api = new IngestApi({ contracts, stream, metadata: broken });
    const app = createServer(api);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const path = `/v1/jobs/${id(5)}`;
    const http = await fetch(`http://127.0.0.1:${port}${path}`);
    const aws = await createDispatch(api)({ method: 'GET', path, headers: {}, body: Buffer.alloc(0) });
    const body = (await http.json()) as Record<string, unknown>;
    expect([http.status, aws.status]).toEqual([500, 500]);
    expect(http.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(aws.body).toEqual(body);
    expect(body).toMatchObject({ type: 'about:blank', title: 'Internal Server Error', status: 500, instance: path });
    expect(JSON.stringify(body)).not.toContain('secret');
    await app.close();
    await stream.close();
    await metadata.close();
  });

  it('401 (API key on) and 503 (the stream refuses) are problems too', async () => {
    const dir = tempDir();
    const stream = await LocalStream.open(dir, 'ingest');
    const refusing: Stream = Object.assign(Object.create(stream) as Stream, {
      publish: async (records: readonly unknown[]) => ({ failedCount: records.length, records }),
    });
    const { metadata } = warehouseProcessor(dir, { contracts, streamName: 'ingest' });
    const dispatch = createDispatch(new IngestApi({ contracts, stream: refusing, metadata, apiKey: 'k' }));
    const request = (key: string) =>
      dispatch({
        method: 'POST',
        path: RECORDS_PATH,
        headers: { 'content-type': JSON_TYPE, 'x-api-key': key },
        body: Buffer.from(JSON.stringify(validEvent())),
      });
    for (const [key, status] of [
      ['wrong', 401],
      ['k', 503],
    ] as const) {
      const answer = await request(key);
      expect(answer.status).toBe(status);
      expect(answer.headers?.['content-type']).toBe(PROBLEM_TYPE);
      expect(answer.body).toMatchObject({ type: 'about:blank', status, instance: RECORDS_PATH });
    }
    await stream.close();
    await metadata.close();
  });
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('has an example for every request body, response and parameter, each valid against its schema', () => {
    let checked = 0;
    for (const [path, operations] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(operations)) {
        const media = [
          ...Object.entries(operation.requestBody?.content ?? {}).map(
            ([type, m]) => [['requestBody', 'content', type], type, m] as const,
          ),
          ...Object.entries(operation.responses).flatMap(([status, r]) =>
            Object.entries(r.content ?? {}).map(
              ([type, m]) => [['responses', status, 'content', type], type, m] as const,
            ),
          ),
        ];
        for (const [at, type, { example, examples }] of media) {
          const values = example !== undefined ? [example] : Object.values(examples ?? {}).map((e) => e.value);
          expect(values.length, `${method} ${path} ${type}`).toBeGreaterThan(0);
          if (!type.includes('json')) continue;
          const validate = validatorAt('paths', path, method, ...at, 'schema');
          for (const value of values) {
            expect(validate(value), `${method} ${path} ${type}: ${JSON.stringify(validate.errors)}`).toBe(true);
            checked++;
          }
        }
        for (const parameter of operation.parameters ?? [])
          expect(parameter.example ?? parameter.$ref, `${method} ${path} parameter`).toBeDefined();
      }
    expect(checked).toBeGreaterThan(30);
  });

  it('the documented request examples are accepted by the API (JSON, NDJSON and CSV of every dataset)', async () => {
    for (const contract of contracts) {
      const path = `/v1/datasets/${contract.name}/records`;
      const content = doc.paths[path]?.post?.requestBody?.content ?? {};
      const bodies = [
        ...Object.values(content[JSON_TYPE]?.examples ?? {}).map((e) => [JSON.stringify(e.value), JSON_TYPE]),
        [content['application/x-ndjson']?.example as string, 'application/x-ndjson'],
        [content['text/csv']?.example as string, 'text/csv'],
      ];
      for (const [body, type] of bodies) {
        const answer = await viaHttp('POST', path, body, type);
        expect(answer.status, `${contract.name} ${type}: ${JSON.stringify(answer.body)}`).toBe(202);
        conforms(answer, path, 'post');
      }
    }
  });
});

describe('/docs', () => {
  it('serves the interactive documentation: HTML, the Swagger UI assets it ships, and the document', async () => {
    const page = await fetch(`${base}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/i);
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/); // no CDN: the assets are served from here
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'swagger-initializer.js']) {
      const response = await fetch(`${base}/docs/static/${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    const served = (await (await fetch(`${base}/docs/json`)).json()) as OpenApi;
    expect(served.paths).toEqual(doc.paths);
  });
});

describe('accepted requests', () => {
  it('202 carries Location: /v1/jobs/{id}; the job there has its timeline; both conform to the document', async () => {
    for (const adapter of [viaHttp, viaLambda]) {
      const accepted = await adapter('POST', RECORDS_PATH, JSON.stringify(validEvent({ event_id: id(50) })));
      expect(accepted.status).toBe(202);
      conforms(accepted, RECORDS_PATH, 'post');
      expect(accepted.headers.location).toBe(`/v1/jobs/${accepted.body.jobId as string}`);
      const job = await adapter('GET', accepted.headers.location as string);
      expect(job.status).toBe(200);
      conforms(job, '/v1/jobs/{jobId}', 'get');
      expect(job.body).toMatchObject({
        status: 'accepted',
        timeline: [{ step: 'accepted', at: job.body.createdAt, records: 1 }],
      });
    }
    const health = await viaHttp('GET', '/health');
    conforms(health, '/health', 'get');
  });
});

describe('?mode=partial', () => {
  it('publishes the valid, flags the rest for quarantine, answers 207; the processor keeps received = accepted + quarantined', async () => {
    const dir = tempDir();
    const stream = await LocalStream.open(dir, 'ingest');
    const { processor, metadata, catalog } = warehouseProcessor(dir, { contracts, streamName: 'ingest' });
    const dispatch = createDispatch(new IngestApi({ contracts, stream, metadata }));
    // A hostile mixed batch, generated: valid records between broken JSON, a contract violation, bad UTF-8,
    // a record nested too deep, one over the per-record limit, and a duplicate.
    const valid = [1, 2, 3].map((n) => JSON.stringify(validEvent({ event_id: id(100 + n) })));
    const body = Buffer.concat(
      [
        valid[0],
        '{"broken": ',
        JSON.stringify(validEvent({ event_id: id(110), country: 'FRA' })),
        valid[1],
        Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
        `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        `{${' '.repeat(MAX_RECORD_BYTES)}${JSON.stringify(validEvent({ event_id: id(120) })).slice(1)}`,
        valid[2],
        valid[2],
      ].map((line) => Buffer.concat([Buffer.from(line as string | Buffer), Buffer.from('\n')])),
    );
    const answer = await dispatch({
      method: 'POST',
      path: RECORDS_PATH,
      query: 'mode=partial',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(answer.status).toBe(207);
    const result = answer.body as Record<string, unknown> & { jobId: string; records: { line: number }[] };
    expect(answer.headers?.location).toBe(`/v1/jobs/${result.jobId}`);
    expect(result).toMatchObject({ mode: 'partial', received: 9, accepted: 3, quarantined: 6, rejected: 6 });
    // Line 9 repeats line 8's key: the contract keeps one of them (its `keep` rule), the other is a duplicate.
    expect(result.records.map((r) => r.line).slice(0, 5)).toEqual([2, 3, 5, 6, 7]);
    expect([8, 9]).toContain(result.records[5]?.line);
    const validate = responseValidator(RECORDS_PATH, 'post', 207, JSON_TYPE);
    expect(validate(answer.body), JSON.stringify(validate.errors)).toBe(true);

    // Every record is in the stream, the invalid ones flagged; the processor commits the valid, quarantines the rest.
    const entries = await new LogReader(localStreamDir(dir, 'ingest')).read(0, 100);
    const envelopes = entries.map((e) => envelopeRecords(e.data));
    expect(envelopes.reduce((n, e) => n + e.header.records, 0)).toBe(9);
    expect(envelopes.flatMap((e) => e.header.quarantined ?? []).length).toBe(6);
    const consumed: ConsumedRecord[] = entries.map((e, i) => ({
      partitionKey: e.partitionKey,
      data: e.data,
      sequenceNumber: String(i + 1).padStart(20, '0'),
      shardId: 'shard-0',
      approximateArrivalTimestamp: Date.now(),
    }));
    expect((await processor.handle(consumed)).batchItemFailures).toEqual([]);
    expect(processor.outcomes).toMatchObject([{ dataset: 'events', received: 9, accepted: 3, quarantined: 6 }]);
    const job = await dispatch({ method: 'GET', path: `/v1/jobs/${result.jobId}`, headers: {}, body: Buffer.alloc(0) });
    expect(job.body).toMatchObject({
      status: 'committed',
      counts: { received: 9, accepted: 3, quarantined: 6 },
      timeline: [
        { step: 'accepted', records: 9 },
        { step: 'committed', records: 3 },
        { step: 'quarantined', records: 6 },
      ],
    });
    await stream.close();
    await metadata.close();
    await catalog.close();
  });

  it('the default mode still refuses a mixed batch whole: 400, nothing published', async () => {
    const before = (await new LogReader(localStreamDir(warehouse, 'ingest')).read(0, 100_000)).length;
    const mixed = JSON.stringify([validEvent({ event_id: id(200) }), { nope: 1 }]);
    const answer = await both('POST', `${RECORDS_PATH}?mode=all`, RECORDS_PATH, mixed);
    expect(answer.status).toBe(400);
    expect((await new LogReader(localStreamDir(warehouse, 'ingest')).read(0, 100_000)).length).toBe(before);
  });
});
