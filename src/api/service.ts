// The ingest API's operations as plain functions from a routed request to a response, so that one code path serves
// API Gateway (the Lambda adapter, dispatch.ts) and the local server (the Fastify adapter, server.ts); routes.ts
// names which operation each route runs. Records are validated in full before anything is published. By default
// a request is accepted whole (202, published to the stream) or refused (400) with its violations, listed up to
// fixed caps with their totals (rejection.ts); `?mode=partial` publishes every record, the invalid ones flagged
// for quarantine, and answers 207 with the invalid ones listed. Errors are problem details (problem.ts); the
// limits any request must keep are in limits.ts.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Contract } from '../contracts/model.ts';
import type { ParsedRecord } from '../formats/index.ts';
import { createLogger } from '../log.ts';
import type { MetadataStore } from '../metadata/types.ts';
import { RecordProcessor, type QuarantineEntry } from '../records/pipeline.ts';
import type { Violation } from '../records/validate.ts';
import type { Stream } from '../stream/types.ts';
import { parseBody } from './body.ts';
import { toStreamRecords, type PublishedLine } from './envelope.ts';
import { problem, type ApiRequest, type ApiResponse } from './http.ts';
import { DEFAULT_MAX_BODY_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_REQUEST } from './limits.ts';
import { openApiDocument } from './openapi.ts';
import type { IngestMode } from './params.ts';
import { PROBLEM_TYPES } from './problem.ts';
import { boundedText, listRejections, rejectionBody, rejectionSummary } from './rejection.ts';
import { jobTimeline } from './timeline.ts';

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
const log = createLogger('ingest-api');

/** Where a job's status is read: the `Location` of a 202 or 207. */
export function jobLocation(jobId: string): string {
  return `/v1/jobs/${jobId}`;
}

export class IngestApi {
  private readonly processors: ReadonlyMap<string, RecordProcessor>;
  private readonly options: IngestApiOptions;
  /** The body limit this API enforces (servers in front of it size their own buffers from it). */
  readonly maxBodyBytes: number;
  /** The OpenAPI document (GET /openapi.json, and the local server's /docs). */
  readonly openapi: Record<string, unknown>;

  constructor(options: IngestApiOptions) {
    this.options = options;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.processors = new Map(options.contracts.map((c) => [c.name, new RecordProcessor(c)]));
    this.openapi = openApiDocument(options.contracts, {
      maxBodyBytes: this.maxBodyBytes,
      ...(options.apiKey ? { apiKeyHeader: API_KEY_HEADER } : {}),
    });
  }

  /** The answer to a body over the limit; a server that stops reading such a body early answers with it too. */
  bodyTooLarge(instance: string): ApiResponse {
    return problem(
      413,
      `the body is over the ${this.maxBodyBytes}-byte limit: split it into smaller requests`,
      instance,
    );
  }

  /** True when the API key check is off or the request carries the key; else the 401 to answer. */
  authorise(headers: ApiRequest['headers'], instance: string): ApiResponse | true {
    const expected = this.options.apiKey;
    if (!expected) return true;
    const given = Buffer.from(headers[API_KEY_HEADER] ?? '');
    const want = Buffer.from(expected);
    return given.length === want.length && timingSafeEqual(given, want)
      ? true
      : problem(401, `missing or wrong ${API_KEY_HEADER} header`, instance);
  }

  async ingest(dataset: string, mode: IngestMode, request: ApiRequest): Promise<ApiResponse> {
    const instance = request.path;
    const processor = this.processors.get(dataset);
    if (!processor)
      return problem(
        404,
        `unknown dataset "${boundedText(dataset)}": known datasets are ${[...this.processors.keys()].join(', ')}`,
        instance,
      );
    if (request.body.byteLength > this.maxBodyBytes) return this.bodyTooLarge(instance);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const format = FORMAT_BY_CONTENT_TYPE[contentType];
    if (!format) {
      return problem(
        415,
        `unsupported content type "${boundedText(contentType) || '(none)'}": use ${Object.keys(FORMAT_BY_CONTENT_TYPE).join(', ')}`,
        instance,
      );
    }
    const parsed = await parseBody(format, request.body);
    if ('tooMany' in parsed) {
      return problem(
        413,
        `the body holds more than ${MAX_RECORDS_PER_REQUEST} records (or lines): split it into smaller requests`,
        instance,
      );
    }
    const { items } = parsed;
    if (items.length === 0) return problem(400, 'the body holds no records', instance);
    const jobId = randomUUID();
    const chunk = processor.processChunk(items, `api:${jobId}`, format === 'csv');
    // What is published is each record's text as sent (CSV rows as the JSON of their coerced values); a text
    // over the per-record limit would not fit a stream record, so it is an invalid record like any other.
    const published = new Map<number, string>();
    const rejected: QuarantineEntry[] = [...chunk.quarantined];
    for (const index of chunk.acceptedIndices) {
      const item = items[index] as ParsedRecord;
      const text =
        format === 'csv' ? JSON.stringify(processor.coerceText(item.value as Record<string, unknown>)) : item.raw;
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > MAX_RECORD_BYTES)
        rejected.push({
          source: `api:${jobId}`,
          line: item.line,
          reason: 'parse',
          violations: [tooLarge(bytes)],
          raw: text,
        });
      else published.set(item.line, text);
    }
    rejected.sort((a, b) => a.line - b.line);
    if (rejected.length && mode === 'all') {
      const body = rejectionBody(rejected, items.length);
      return problem(400, body.detail, instance, PROBLEM_TYPES.invalidRecords, { ...body });
    }
    // Partial: every record is published in request order, so received = accepted + quarantined holds in the
    // job's counts once the processor is done; an invalid one goes as a quarantine line (envelope.ts), which no
    // contract accepts, and the header flags it.
    const quarantined = new Map(rejected.map((entry) => [entry.line, entry]));
    const lines = items.map((item): PublishedLine => {
      const entry = quarantined.get(item.line);
      return entry ? { text: entry.raw, quarantine: true } : { text: published.get(item.line) as string };
    });
    await this.options.metadata.putJob({ jobId, dataset, counts: { received: items.length } });
    const outcome = await this.options.stream.publish(toStreamRecords(jobId, dataset, lines));
    if (outcome.failedCount > 0) {
      const reason = `${outcome.failedCount} of ${outcome.records.length} stream records were not stored`;
      await this.options.metadata.updateJob(jobId, 'accepted', { status: 'failed', reasons: [reason] });
      log.error({ jobId, dataset, failed: outcome.failedCount }, 'publish failed');
      return problem(503, `${reason}; retry the request`, instance);
    }
    const headers = { location: jobLocation(jobId) };
    if (mode === 'all') return { status: 202, headers, body: { jobId, status: 'accepted', received: items.length } };
    const listing = listRejections(rejected);
    return {
      status: 207,
      headers,
      body: {
        jobId,
        status: 'accepted',
        mode,
        detail: rejectionSummary(listing, items.length, 'they are quarantined, the others published'),
        received: items.length,
        accepted: items.length - rejected.length,
        quarantined: rejected.length,
        ...listing,
      },
    };
  }

  async job(jobId: string, instance: string): Promise<ApiResponse> {
    const job = await this.options.metadata.getJob(jobId);
    return job
      ? { status: 200, body: { ...job, timeline: jobTimeline(job) } }
      : problem(404, `no job "${boundedText(jobId)}"`, instance);
  }

  async health(): Promise<ApiResponse> {
    const [stream, catalog] = await Promise.all([
      this.options.stream.health().catch((e: unknown) => ({ ok: false, detail: { error: String(e) } })),
      this.options.catalogHealth?.().catch((e: unknown) => ({ ok: false, detail: { error: String(e) } })) ??
        Promise.resolve({ ok: true, detail: { checked: false } }),
    ]);
    const ok = stream.ok && catalog.ok;
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', stream, catalog } };
  }
}

function tooLarge(bytes: number): Violation {
  return {
    path: '/',
    rule: 'too_large',
    expected: `a record of at most ${MAX_RECORD_BYTES} bytes`,
    actual: `${bytes} bytes`,
  };
}
