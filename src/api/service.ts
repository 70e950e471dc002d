// The ingest API as a plain function from request to response, so that one code path serves API Gateway (via the
// Lambda handler) and the local server (via Fastify). Records are validated in full before anything is published:
// a request is either accepted whole (202, published to the stream) or rejected with every violation (400).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Contract } from '../contracts/model.ts';
import { parseBytes, type ParsedItem } from '../formats/index.ts';
import { createLogger } from '../log.ts';
import type { MetadataStore } from '../metadata/types.ts';
import { RecordProcessor } from '../records/pipeline.ts';
import type { Stream } from '../stream/types.ts';
import { toStreamRecords } from './envelope.ts';
import { openApiDocument } from './openapi.ts';

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
  /** Bodies above this are refused with 413 (default 5 MiB; API Gateway allows 10 MB, Lambda 6 MB). */
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
const log = createLogger('ingest-api');

export class IngestApi {
  private readonly processors: ReadonlyMap<string, RecordProcessor>;
  private readonly options: IngestApiOptions;
  private readonly maxBodyBytes: number;
  private readonly openapi: Record<string, unknown>;

  constructor(options: IngestApiOptions) {
    this.options = options;
    this.maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;
    this.processors = new Map(options.contracts.map((c) => [c.name, new RecordProcessor(c)]));
    this.openapi = openApiDocument(options.contracts, options.apiKey ? { apiKeyHeader: API_KEY_HEADER } : {});
  }

  async handle(request: ApiRequest): Promise<ApiResponse> {
    const { method, path } = request;
    if (method === 'GET' && path === '/health') return this.health();
    if (method === 'GET' && path === '/openapi.json') return { status: 200, body: this.openapi };
    if (!this.authorised(request)) return error(401, `missing or wrong ${API_KEY_HEADER} header`);
    const ingest = /^\/v1\/datasets\/([^/]+)\/records$/.exec(path);
    if (ingest) {
      if (method !== 'POST') return error(405, 'use POST to send records');
      return this.ingest(decodeURIComponent(ingest[1] as string), request);
    }
    const job = /^\/v1\/jobs\/([^/]+)$/.exec(path);
    if (job) {
      if (method !== 'GET') return error(405, 'use GET to read a job');
      return this.job(decodeURIComponent(job[1] as string));
    }
    return error(404, `no route ${method} ${path}`);
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
      return error(404, `unknown dataset "${dataset}": known datasets are ${[...this.processors.keys()].join(', ')}`);
    if (request.body.byteLength > this.maxBodyBytes) {
      return error(
        413,
        `body is ${request.body.byteLength} bytes, over the ${this.maxBodyBytes}-byte limit: split it into smaller requests`,
      );
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const format = FORMAT_BY_CONTENT_TYPE[contentType];
    if (!format) {
      return error(
        415,
        `unsupported content type "${contentType || '(none)'}": use ${Object.keys(FORMAT_BY_CONTENT_TYPE).join(', ')}`,
      );
    }
    const items = await parseBody(format, request.body);
    if (items.length === 0) return error(400, 'the body holds no records');
    const jobId = randomUUID();
    const chunk = processor.processChunk(items, `api:${jobId}`, format === 'csv');
    if (chunk.quarantined.length) {
      return {
        status: 400,
        body: {
          error: `${chunk.quarantined.length} of ${items.length} records are invalid; nothing was published`,
          records: chunk.quarantined.map((q) => ({ line: q.line, reason: q.reason, violations: q.violations })),
        },
      };
    }
    const raws = items.map((item) =>
      item.kind === 'record'
        ? format === 'csv'
          ? JSON.stringify(processor.coerceText(item.value as Record<string, unknown>))
          : item.raw
        : '',
    );
    await this.options.metadata.putJob({ jobId, dataset, counts: { received: items.length } });
    const published = await this.options.stream.publish(toStreamRecords(jobId, dataset, raws));
    if (published.failedCount > 0) {
      const reason = `${published.failedCount} of ${published.records.length} stream records were not stored`;
      await this.options.metadata.updateJob(jobId, 'accepted', { status: 'failed', reasons: [reason] });
      log.error({ jobId, dataset, failed: published.failedCount }, 'publish failed');
      return error(503, `${reason}; retry the request`);
    }
    return { status: 202, body: { jobId, status: 'accepted', received: items.length } };
  }

  private async job(jobId: string): Promise<ApiResponse> {
    const job = await this.options.metadata.getJob(jobId);
    return job ? { status: 200, body: job } : error(404, `no job "${jobId}"`);
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

function error(status: number, message: string): ApiResponse {
  return { status, body: { error: message } };
}

/**
 * A request body is already in memory (at most maxBodyBytes), so a JSON body is parsed in one go — the streaming
 * parser is for files larger than memory. NDJSON and CSV go through the same parsers as files.
 */
async function parseBody(format: 'json' | 'ndjson' | 'csv', body: Uint8Array): Promise<ParsedItem[]> {
  if (format === 'json') {
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return [
        { kind: 'unparseable', rule: 'json', message: (error as Error).message, raw: text.slice(0, 1024), line: 1 },
      ];
    }
    if (!Array.isArray(value)) return [{ kind: 'record', value, raw: text, line: 1 }];
    return value.map((record: unknown, i) => ({
      kind: 'record',
      value: record,
      raw: JSON.stringify(record),
      line: i + 1,
    }));
  }
  const items: ParsedItem[] = [];
  for await (const parsed of parseBytes(format, oneChunk(body))) items.push(...parsed);
  return items;
}

async function* oneChunk(body: Uint8Array): AsyncIterable<Uint8Array> {
  yield body;
}
