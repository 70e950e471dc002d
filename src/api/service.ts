// The ingest API as a plain function from request to response, so that one code path serves API Gateway (via the
// Lambda handler) and the local server (via Fastify). Records are validated in full before anything is published:
// a request is either accepted whole (202, published to the stream) or rejected (400) with its violations, listed
// up to fixed caps with their totals (rejection.ts); the limits any request must keep are in limits.ts.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Contract } from '../contracts/model.ts';
import type { ParsedRecord } from '../formats/index.ts';
import { createLogger } from '../log.ts';
import type { MetadataStore } from '../metadata/types.ts';
import { RecordProcessor } from '../records/pipeline.ts';
import type { Violation } from '../records/validate.ts';
import type { Stream } from '../stream/types.ts';
import { parseBody } from './body.ts';
import { toStreamRecords } from './envelope.ts';
import { DEFAULT_MAX_BODY_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_REQUEST } from './limits.ts';
import { openApiDocument } from './openapi.ts';
import { boundedText, rejectionBody, type RejectedRecord } from './rejection.ts';

export interface ApiRequest {
  readonly method: string;
  /** Path without query string, e.g. `/v1/datasets/events/records`. */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Health {
  readonly ok: boolean;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface IngestApiOptions {
  readonly contracts: readonly Contract[];
  readonly stream: Stream;
  readonly metadata: MetadataStore;
  /** Bodies above this are refused with 413 (default DEFAULT_MAX_BODY_BYTES: 5 MiB). */
  readonly maxBodyBytes?: number;
  /** Local API-key check (off when unset); in AWS an IAM authoriser guards the route before Lambda runs. */
  readonly apiKey?: string;
  readonly catalogHealth?: () => Promise<Health>;
}

const FORMAT_BY_CONTENT_TYPE: Readonly<Record<string, 'json' | 'ndjson' | 'csv'>> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
  'text/csv': 'csv',
};
export const API_KEY_HEADER = 'x-api-key';
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const log = createLogger('ingest-api');

export class IngestApi {
  private readonly processors: ReadonlyMap<string, RecordProcessor>;
  private readonly options: IngestApiOptions;
  /** The body limit this API enforces (servers in front of it size their own buffers from it). */
  readonly maxBodyBytes: number;
  private readonly openapi: Record<string, unknown>;

  constructor(options: IngestApiOptions) {
    this.options = options;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.processors = new Map(options.contracts.map((c) => [c.name, new RecordProcessor(c)]));
    this.openapi = openApiDocument(options.contracts, {
      maxBodyBytes: this.maxBodyBytes,
      ...(options.apiKey ? { apiKeyHeader: API_KEY_HEADER } : {}),
    });
  }

  async handle(request: ApiRequest): Promise<ApiResponse> {
    const { method, path } = request;
    if (method === 'GET' && path === '/health') return this.health();
    if (method === 'GET' && path === '/openapi.json') return { status: 200, body: this.openapi };
    if (!this.authorised(request)) return error(401, `missing or wrong ${API_KEY_HEADER} header`);
    const ingest = /^\/v1\/datasets\/([^/]+)\/records$/.exec(path);
    if (ingest) {
      if (method !== 'POST') return error(405, 'use POST to send records');
      const dataset = decoded(ingest[1] as string);
      return dataset === undefined ? badPath() : this.ingest(dataset, request);
    }
    const job = /^\/v1\/jobs\/([^/]+)$/.exec(path);
    if (job) {
      if (method !== 'GET') return error(405, 'use GET to read a job');
      const jobId = decoded(job[1] as string);
      return jobId === undefined ? badPath() : this.job(jobId);
    }
    return error(404, `no route ${boundedText(method)} ${boundedText(path)}`);
  }

  /** The answer to a body over the limit; a server that stops reading such a body early answers with it too. */
  bodyTooLarge(): ApiResponse {
    return error(413, `the body is over the ${this.maxBodyBytes}-byte limit: split it into smaller requests`);
  }

  private authorised(request: ApiRequest): boolean {
    const expected = this.options.apiKey;
    if (!expected) return true;
    const given = Buffer.from(request.headers[API_KEY_HEADER] ?? '');
    const want = Buffer.from(expected);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private async ingest(dataset: string, request: ApiRequest): Promise<ApiResponse> {
    const processor = this.processors.get(dataset);
    if (!processor)
      return error(
        404,
        `unknown dataset "${boundedText(dataset)}": known datasets are ${[...this.processors.keys()].join(', ')}`,
      );
    if (request.body.byteLength > this.maxBodyBytes) return this.bodyTooLarge();
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const format = FORMAT_BY_CONTENT_TYPE[contentType];
    if (!format) {
      return error(
        415,
        `unsupported content type "${contentType || '(none)'}": use ${Object.keys(FORMAT_BY_CONTENT_TYPE).join(', ')}`,
      );
    }
    const parsed = await parseBody(format, request.body);
    if ('tooMany' in parsed) {
      return error(
        413,
        `the body holds more than ${MAX_RECORDS_PER_REQUEST} records (or lines): split it into smaller requests`,
      );
    }
    const { items } = parsed;
    if (items.length === 0) return error(400, 'the body holds no records');
    const jobId = randomUUID();
    const chunk = processor.processChunk(items, `api:${jobId}`, format === 'csv');
    // What is published is each record's text as sent (CSV rows as the JSON of their coerced values); a text
    // over the per-record limit would not fit a stream record, so it is an invalid record like any other.
    const texts: string[] = [];
    const rejected: RejectedRecord[] = [...chunk.quarantined];
    for (const index of chunk.acceptedIndices) {
      const item = items[index] as ParsedRecord;
      const text =
        format === 'csv' ? JSON.stringify(processor.coerceText(item.value as Record<string, unknown>)) : item.raw;
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > MAX_RECORD_BYTES) rejected.push({ line: item.line, reason: 'parse', violations: [tooLarge(bytes)] });
      else texts.push(text);
    }
    if (rejected.length) {
      rejected.sort((a, b) => a.line - b.line);
      return { status: 400, body: rejectionBody(rejected, items.length) };
    }
    await this.options.metadata.putJob({ jobId, dataset, counts: { received: items.length } });
    const published = await this.options.stream.publish(toStreamRecords(jobId, dataset, texts));
    if (published.failedCount > 0) {
      const reason = `${published.failedCount} of ${published.records.length} stream records were not stored`;
      await this.options.metadata.updateJob(jobId, 'accepted', { status: 'failed', reasons: [reason] });
      log.error({ jobId, dataset, failed: published.failedCount }, 'publish failed');
      return error(503, `${reason}; retry the request`);
    }
    return { status: 202, body: { jobId, status: 'accepted', received: items.length } };
  }

  private async job(jobId: string): Promise<ApiResponse> {
    // Job ids are UUIDs (this API makes them): anything else is no job, and is not sent to the store as a key.
    const job = JOB_ID.test(jobId) ? await this.options.metadata.getJob(jobId) : undefined;
    return job ? { status: 200, body: job } : error(404, `no job "${boundedText(jobId)}"`);
  }

  private async health(): Promise<ApiResponse> {
    const [stream, catalog] = await Promise.all([
      this.options.stream.health().catch((e: unknown) => ({ ok: false, detail: { error: String(e) } })),
      this.options.catalogHealth?.().catch((e: unknown) => ({ ok: false, detail: { error: String(e) } })) ??
        Promise.resolve({ ok: true, detail: { checked: false } }),
    ]);
    const ok = stream.ok && catalog.ok;
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', stream, catalog } };
  }
}

/** A path segment with its percent-escapes decoded; undefined when they are not UTF-8 (a 400, not a URIError). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function badPath(): ApiResponse {
  return error(400, 'the path holds a percent-escape that is not UTF-8');
}

function error(status: number, message: string): ApiResponse {
  return { status, body: { error: message } };
}

function tooLarge(bytes: number): Violation {
  return {
    path: '/',
    rule: 'too_large',
    expected: `a record of at most ${MAX_RECORD_BYTES} bytes`,
    actual: `${bytes} bytes`,
  };
}

/** A response as HTTP sends it: both adapters (Fastify, the Lambda handler) write exactly this. */
export function renderResponse(response: ApiResponse): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  return {
    status: response.status,
    headers: { 'content-type': 'application/json', ...response.headers },
    body: JSON.stringify(response.body),
  };
}
