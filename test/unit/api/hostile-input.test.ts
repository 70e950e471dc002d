// Hostile request bodies against both adapters of the one ingest API — Fastify over real HTTP and the Lambda
// handler with API Gateway v2 events — which must answer alike: a 4xx (never a 500) whose size does not depend on
// the input, nothing published, and the process's memory unharmed. The bodies are generated here.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_BODY_BYTES,
  MAX_RECORD_BYTES,
  MAX_RECORD_DEPTH,
  MAX_RECORDS_PER_REQUEST,
  MAX_REJECTION_BODY_BYTES,
  MAX_VIOLATION_TEXT_CHARS,
  MAX_VIOLATIONS_LISTED,
  MAX_VIOLATIONS_LISTED_PER_RECORD,
} from '../../../src/api/limits.ts';
import type { RejectionBody } from '../../../src/api/rejection.ts';
import { BUILTIN_CONTRACTS, loadContract } from '../../../src/contracts/load.ts';
import { createIngestHandler } from '../../../src/handlers/ingest-api.ts';
import { LogReader, localStreamDir } from '../../../src/stream/index.ts';
import { validEvent } from '../../helpers/collect.ts';
import { startLocalApi } from './local-api.ts';

let reader: LogReader;
const publishedCount = async () => (await reader.read(0, 100_000)).length;
const event = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/events/apigw-v2-post.json'), 'utf8'),
) as APIGatewayProxyEventV2;
let base = '';
let lambda: ReturnType<typeof createIngestHandler>;
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  const local = await startLocalApi(await Promise.all(BUILTIN_CONTRACTS.map((name) => loadContract(name))));
  ({ base, close } = local);
  reader = new LogReader(localStreamDir(local.warehouse, 'ingest'));
  // The Lambda adapter in front of the same API object: both adapters answer from one service.
  lambda = createIngestHandler(async () => local.api);
});
afterAll(() => close());

interface Answer {
  readonly status: number;
  readonly bytes: number;
  readonly body: Record<string, unknown>;
}

const JSON_TYPE = 'application/json';
const NDJSON_TYPE = 'application/x-ndjson';
const CSV_TYPE = 'text/csv';

const RECORDS_PATH = '/v1/datasets/events/records';

async function viaHttp(body: Buffer, type: string, method = 'POST', path = RECORDS_PATH): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(method === 'POST' ? { body } : {}),
    headers: { 'content-type': type },
  });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) as Record<string, unknown> };
}

async function viaLambda(body: Buffer, type: string, method = 'POST', path = RECORDS_PATH): Promise<Answer> {
  const result = await lambda({
    ...event,
    rawPath: path,
    requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method, path } },
    headers: { ...event.headers, 'Content-Type': type, 'content-length': String(body.length) },
    body: body.toString('base64'),
    isBase64Encoded: true,
  });
  const text = result.body ?? '';
  return {
    status: result.statusCode ?? 0,
    bytes: Buffer.byteLength(text),
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

/** Posts through both adapters; they must give the same status and body. Nothing may be published. */
async function both(body: Buffer, type: string): Promise<Answer> {
  const before = await publishedCount();
  const http = await viaHttp(body, type);
  const aws = await viaLambda(body, type);
  expect(aws.status).toBe(http.status);
  expect(aws.body).toEqual(http.body);
  expect(await publishedCount()).toBe(before);
  return http;
}

const rejection = (answer: Answer) => answer.body as unknown as RejectionBody;
const rulesOf = (answer: Answer) => rejection(answer).records.flatMap((r) => r.violations.map((v) => v.rule));
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** A valid event as JSON text with `bytes` inserted where JSON allows any whitespace. */
const withBytesInside = (text: string, bytes: Buffer) =>
  Buffer.concat([Buffer.from(text.slice(0, 1)), bytes, Buffer.from(text.slice(1))]);

describe('hostile paths', () => {
  it('a percent-escape that is not UTF-8, a long or odd job id are 400 problems, an unknown path a 404, from both adapters', async () => {
    for (const [method, path, status] of [
      ['POST', '/v1/datasets/%E0%A4%A/records', 400],
      ['GET', '/v1/jobs/%FF', 400],
      ['GET', `/v1/jobs/${'j'.repeat(4000)}`, 400],
      ['GET', `/v1/${'x'.repeat(4000)}`, 404],
    ] as const) {
      const http = await viaHttp(Buffer.from('{}'), JSON_TYPE, method, path);
      const aws = await viaLambda(Buffer.from('{}'), JSON_TYPE, method, path);
      expect([http.status, aws.status], path.slice(0, 40)).toEqual([status, status]);
      expect(aws.body).toEqual(http.body);
      expect(http.body).toMatchObject({ status, instance: expect.any(String), detail: expect.any(String) });
      expect(http.bytes).toBeLessThan(1024);
    }
  });
});

describe('invalid UTF-8 is rejected for every content type, before anything is decoded', () => {
  const bad = Buffer.from([0x22, 0xff, 0xfe, 0x22]); // a JSON string holding two bytes that are never UTF-8

  it('JSON: a record that is valid apart from its bytes is a 400 (encoding), not committed with U+FFFD', async () => {
    const [head, tail] = JSON.stringify(validEvent({ event_id: id(1) })).split('"s-1"') as [string, string];
    const record = Buffer.concat([Buffer.from(head), bad, Buffer.from(tail)]);
    const answer = await both(record, JSON_TYPE);
    expect(answer.status).toBe(400);
    expect(rulesOf(answer)).toEqual(['encoding']);
    // The same record as an array element.
    const array = Buffer.concat([Buffer.from('['), record, Buffer.from(']')]);
    expect(rulesOf(await both(array, JSON_TYPE))).toEqual(['encoding']);
  });

  it('NDJSON: the bad line is listed by its line number', async () => {
    const good = JSON.stringify(validEvent({ event_id: id(2) }));
    const line = withBytesInside(JSON.stringify(validEvent({ event_id: id(3) })), Buffer.from([0xc3, 0x28]));
    const answer = await both(Buffer.concat([Buffer.from(`${good}\n`), line, Buffer.from('\n')]), NDJSON_TYPE);
    expect(answer.status).toBe(400);
    expect(rejection(answer).records.map((r) => [r.line, r.violations[0]?.rule])).toEqual([[2, 'encoding']]);
  });

  it('CSV: a bad row, and a bad header, are 400 (encoding)', async () => {
    const header = 'event_id,user_id,event_type,event_ts,country,session_id\n';
    const row = Buffer.concat([Buffer.from(`${id(4)},u000001,click,2026-11-01T00:00:00Z,US,`), bad, Buffer.from('\n')]);
    const badRow = await both(Buffer.concat([Buffer.from(header), row]), CSV_TYPE);
    expect(badRow.status).toBe(400);
    expect(rulesOf(badRow)).toEqual(['encoding']);
    const badHeader = Buffer.concat([
      Buffer.from(header.slice(0, -1)),
      bad,
      Buffer.from(`\n${id(5)},u1,click,x,US,s,z\n`),
    ]);
    const answer = await both(badHeader, CSV_TYPE);
    expect(answer.status).toBe(400);
    expect(rulesOf(answer)).toEqual(['encoding']);
  });
});

describe('request and record limits give a 4xx, never a 500', () => {
  it(`more than ${MAX_RECORDS_PER_REQUEST} records or lines (130,000 here) is a 413, in every format`, async () => {
    const lines = 130_000;
    for (const [body, type] of [
      [Buffer.from('{}\n'.repeat(lines)), NDJSON_TYPE],
      [Buffer.from('0\n'.repeat(lines)), NDJSON_TYPE],
      [Buffer.from(`[${'0,'.repeat(lines - 1)}0]`), JSON_TYPE],
      [Buffer.from(`event_id\n${'x\n'.repeat(lines)}`), CSV_TYPE],
    ] as const) {
      const answer = await both(body, type);
      expect(answer.status).toBe(413);
      expect(answer.body.detail).toMatch(/more than 50000 records \(or lines\)/);
    }
  });

  it('a body over the limit is a 413 with the same answer from both adapters', async () => {
    const answer = await both(Buffer.alloc(DEFAULT_MAX_BODY_BYTES + 1, 0x20), NDJSON_TYPE);
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      type: 'about:blank',
      title: 'Payload Too Large',
      status: 413,
      detail: `the body is over the ${DEFAULT_MAX_BODY_BYTES}-byte limit: split it into smaller requests`,
      instance: RECORDS_PATH,
    });
  });

  it(`a ${MAX_RECORD_BYTES / 1024} KiB record (just over the per-record limit) is a 400 (too_large); the others are listed around it`, async () => {
    const record = JSON.stringify(validEvent({ event_id: id(6) }));
    const padded = withBytesInside(record, Buffer.alloc(MAX_RECORD_BYTES - record.length + 1, 0x20));
    const single = await both(padded, JSON_TYPE);
    expect(single.status).toBe(400);
    expect(rulesOf(single)).toEqual(['too_large']);
    expect(single.bytes).toBeLessThan(1024);
    const other = JSON.stringify(validEvent({ event_id: id(7) }));
    const ndjson = Buffer.concat([Buffer.from(`${other}\n{}\n`), padded, Buffer.from('\n')]);
    const answer = await both(ndjson, NDJSON_TYPE);
    expect(answer.status).toBe(400);
    expect(rejection(answer).records.map((r) => r.line)).toEqual([2, 3]);
    expect(rejection(answer).records[1]?.violations[0]).toMatchObject({ rule: 'too_large', path: '/' });
    // Exactly at the limit it is a record like any other, and fits one stream record.
    const atLimit = withBytesInside(record, Buffer.alloc(MAX_RECORD_BYTES - record.length, 0x20));
    const before = await publishedCount();
    expect((await viaHttp(atLimit, JSON_TYPE)).status).toBe(202);
    expect(await publishedCount()).toBe(before + 1);
  });

  it('a 900 KiB value is cut in the answer, not echoed', async () => {
    const answer = await both(
      Buffer.from(JSON.stringify(validEvent({ session_id: 'x'.repeat(900 * 1024) }))),
      JSON_TYPE,
    );
    expect(answer.status).toBe(400);
    const violation = rejection(answer).records[0]?.violations[0];
    expect(violation).toMatchObject({ path: '/session_id', rule: 'maxLength' });
    expect(violation?.actual).toBe(`${'x'.repeat(MAX_VIOLATION_TEXT_CHARS)}…`);
    expect(answer.bytes).toBeLessThan(1024);
  });
});

describe('10,000 levels of nesting: nothing recurses on the input (parse, checks, answer, envelope)', () => {
  const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}0${'}'.repeat(levels)}`;

  it('as a field, as a whole record, as an array element and as an NDJSON line: 400 too_deep', async () => {
    const cases: [string, string][] = [
      [`{"properties":{"page":${deep(10_000)}}}`, JSON_TYPE],
      [`{"unknown":${deepObject(10_000)}}`, JSON_TYPE],
      [deepObject(10_000), JSON_TYPE],
      [`[${JSON.stringify(validEvent())},${deep(10_000)}]`, JSON_TYPE],
      [`${JSON.stringify(validEvent())}\n{"x":${deep(10_000)}}\n`, NDJSON_TYPE],
    ];
    for (const [text, type] of cases) {
      const answer = await both(Buffer.from(text), type);
      expect(answer.status).toBe(400);
      expect(rulesOf(answer)).toEqual(['too_deep']);
      expect(answer.bytes).toBeLessThan(1024);
    }
  });

  it(`just under the depth limit (${MAX_RECORD_DEPTH}), a deep unknown value is listed, its JSON cut`, async () => {
    const value = deepObject(MAX_RECORD_DEPTH - 1);
    const answer = await both(
      Buffer.from(`[${JSON.stringify(validEvent({ extra: 1 })).slice(0, -1)},"x":${value}}]`),
      JSON_TYPE,
    );
    expect(answer.status).toBe(400);
    const actuals = rejection(answer).records[0]?.violations.map((v) => v.actual);
    expect(actuals).toEqual([1, `${value.slice(0, MAX_VIOLATION_TEXT_CHARS)}…`]);
  });
});

describe('a 400 is bounded by a constant, whatever the request holds', () => {
  it('50,000 invalid records: the first are listed, the totals say how many there are', async () => {
    const answer = await both(Buffer.from(`[${'0,'.repeat(MAX_RECORDS_PER_REQUEST - 1)}0]`), JSON_TYPE);
    expect(answer.status).toBe(400);
    const body = rejection(answer);
    expect(body).toMatchObject({
      received: MAX_RECORDS_PER_REQUEST,
      rejected: MAX_RECORDS_PER_REQUEST,
      violationsTotal: MAX_RECORDS_PER_REQUEST,
      truncated: true,
    });
    expect(body.records).toHaveLength(MAX_VIOLATIONS_LISTED);
    expect(body.records.map((r) => r.line)).toEqual(Array.from({ length: MAX_VIOLATIONS_LISTED }, (_, i) => i + 1));
    expect(answer.bytes).toBeLessThan(20 * 1024);
  });

  it('one record with 100,000 unknown fields: 20 listed, violationsTotal counts all', async () => {
    const fields = Array.from({ length: 100_000 }, (_, i) => `"f${i}":${i}`).join(',');
    const answer = await both(Buffer.from(`${JSON.stringify(validEvent()).slice(0, -1)},${fields}}`), JSON_TYPE);
    expect(answer.status).toBe(400);
    const [record] = rejection(answer).records;
    expect(record).toMatchObject({ line: 1, violationsTotal: 100_000, truncated: true });
    expect(record?.violations).toHaveLength(MAX_VIOLATIONS_LISTED_PER_RECORD);
    expect(record?.violations[0]).toEqual({
      path: '/f0',
      rule: 'unknown_field',
      expected: 'a field declared in the contract',
      actual: 0,
    });
    expect(answer.bytes).toBeLessThan(8 * 1024);
  });

  it('the worst case for the answer (long keys and values that JSON must escape) stays under MAX_REJECTION_BODY_BYTES', async () => {
    const nasty = '\u0001'.repeat(2 * MAX_VIOLATION_TEXT_CHARS);
    const line = JSON.stringify({ [nasty]: nasty, event_type: nasty, user_id: nasty, country: nasty });
    const answer = await both(Buffer.from(`${line}\n`.repeat(300)), NDJSON_TYPE);
    expect(answer.status).toBe(400);
    const body = rejection(answer);
    expect(body.violationsTotal).toBe(300 * (body.records[0]?.violationsTotal ?? 0));
    expect(body.records.reduce((n, r) => n + r.violations.length, 0)).toBe(MAX_VIOLATIONS_LISTED);
    expect(answer.bytes).toBeGreaterThan(MAX_REJECTION_BODY_BYTES / 8); // it is a bad case…
    expect(answer.bytes).toBeLessThanOrEqual(MAX_REJECTION_BODY_BYTES); // …and the bound holds
    expect(MAX_REJECTION_BODY_BYTES).toBeLessThan(1024 * 1024);
  });

  it('four 5 MB bodies of [0,0,…] at once, through each adapter: small answers, memory unharmed', async () => {
    const zeros = Buffer.from(`[${'0,'.repeat(2_500_000)}0]`);
    expect(zeros.length).toBeLessThanOrEqual(5 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => viaHttp(zeros, JSON_TYPE)),
      ...Array.from({ length: 4 }, () => viaLambda(zeros, JSON_TYPE)),
    ]);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    for (const answer of answers) {
      expect(answer.status).toBe(413);
      expect(answer.bytes).toBeLessThan(256);
    }
    expect(rssGrowth).toBeLessThan(400 * 1024 * 1024);
  });
});
