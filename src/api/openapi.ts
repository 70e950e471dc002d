// The ingest API's OpenAPI 3.1 document, generated from the data contracts: OpenAPI 3.1 uses JSON Schema 2020-12,
// so each contract document is the request schema of its dataset as it is. Parameters use the schemas the
// routers validate with (params.ts), errors are problem details (problem.ts), and every request and response has
// an example (requests from the sample generator, examples.ts) that the tests check against its schema. The limits every request must keep
// (limits.ts) are published with it, in prose and as `x-lakehouse-limits`.
import type { Contract } from '../contracts/model.ts';
import {
  DEFAULT_MAX_BODY_BYTES,
  MAX_RECORD_BYTES,
  MAX_RECORD_DEPTH,
  MAX_RECORDS_PER_REQUEST,
  MAX_REJECTION_BODY_BYTES,
  MAX_VIOLATION_TEXT_CHARS,
  MAX_VIOLATIONS_LISTED,
  MAX_VIOLATIONS_LISTED_PER_RECORD,
} from './limits.ts';
import { csvExample, exampleRecords } from './examples.ts';
import { DATASET_NAME, EXAMPLE_JOB_ID, INGEST_MODE, JOB_ID } from './params.ts';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, problemBody } from './problem.ts';

export function openApiDocument(
  contracts: readonly Contract[],
  options: { apiKeyHeader?: string; maxBodyBytes?: number } = {},
): Record<string, unknown> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = {
    maxBodyBytes,
    maxRecordBytes: MAX_RECORD_BYTES,
    maxRecordsPerRequest: MAX_RECORDS_PER_REQUEST,
    maxRecordDepth: MAX_RECORD_DEPTH,
    maxViolationsListedPerRecord: MAX_VIOLATIONS_LISTED_PER_RECORD,
    maxViolationsListed: MAX_VIOLATIONS_LISTED,
    maxViolationTextChars: MAX_VIOLATION_TEXT_CHARS,
    maxRejectionBodyBytes: MAX_REJECTION_BODY_BYTES,
  };
  const limitsText =
    `Limits: a body of at most ${maxBodyBytes} bytes and ${MAX_RECORDS_PER_REQUEST} records (JSON array ` +
    `elements, or NDJSON/CSV lines), else 413 and nothing is read further. Each record at most ` +
    `${MAX_RECORD_BYTES} bytes as published (its JSON text) and ${MAX_RECORD_DEPTH} levels of nesting, valid ` +
    `UTF-8: a record over a limit is invalid (rule too_large, too_deep or encoding) and listed in the 400.`;
  const problemResponse = (description: string, example: Record<string, unknown>, schema = 'Problem') => ({
    description,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `#/components/schemas/${schema}` }, example } },
  });
  const blank = (status: number, detail: string, instance: string) => problemBody(status, detail, instance);
  const location = {
    Location: {
      description: 'Where the job status is read: `/v1/jobs/{jobId}`',
      schema: { type: 'string' },
      example: `/v1/jobs/${EXAMPLE_JOB_ID}`,
    },
  };
  const listedExample = {
    line: 2,
    reason: 'validation',
    violations: [{ path: '/country', rule: 'pattern', expected: 'must match pattern "^[A-Z]{2}$"', actual: 'FRA' }],
    violationsTotal: 1,
    truncated: false,
  };
  const schemas: Record<string, unknown> = {
    Violation: {
      type: 'object',
      required: ['path', 'rule', 'expected', 'actual'],
      description: `Texts are cut to ${MAX_VIOLATION_TEXT_CHARS} characters (ending in …); an array or object whose JSON is longer is shown as the cut JSON text.`,
      properties: { path: { type: 'string' }, rule: { type: 'string' }, expected: { type: 'string' }, actual: {} },
    },
    ListedRecord: {
      type: 'object',
      required: ['line', 'reason', 'violations', 'violationsTotal', 'truncated'],
      properties: {
        line: { type: 'integer', minimum: 1, description: '1-based line (NDJSON, CSV) or array position (JSON)' },
        reason: { enum: ['parse', 'validation', 'duplicate'] },
        violations: {
          type: 'array',
          maxItems: MAX_VIOLATIONS_LISTED_PER_RECORD,
          items: { $ref: '#/components/schemas/Violation' },
        },
        violationsTotal: { type: 'integer', minimum: 0 },
        truncated: { type: 'boolean', description: 'Some of this record’s violations are not listed' },
      },
    },
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details (application/problem+json).',
      required: ['type', 'title', 'status', 'detail', 'instance'],
      properties: {
        type: { type: 'string', description: 'The problem type: about:blank, or a tag: URI listed in docs/api.md' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string' },
        instance: { type: 'string', description: 'The request path' },
      },
    },
    Rejected: {
      allOf: [{ $ref: '#/components/schemas/Problem' }],
      type: 'object',
      required: ['received', 'rejected', 'violationsTotal', 'truncated', 'records'],
      description:
        `Problem type ${PROBLEM_TYPES.invalidRecords.uri}: the invalid records in request order, with at most ` +
        `${MAX_VIOLATIONS_LISTED_PER_RECORD} violations each and ${MAX_VIOLATIONS_LISTED} in all; the totals count ` +
        `every one. At most ${MAX_REJECTION_BODY_BYTES} bytes.`,
      properties: {
        type: { const: PROBLEM_TYPES.invalidRecords.uri },
        status: { const: 400 },
        received: { type: 'integer', description: 'Records in the request' },
        rejected: { type: 'integer', description: 'Invalid records, listed or not' },
        violationsTotal: { type: 'integer', description: 'Violations of all invalid records, listed or not' },
        truncated: { type: 'boolean', description: 'Some invalid records or violations are not listed' },
        records: {
          type: 'array',
          maxItems: MAX_VIOLATIONS_LISTED,
          items: { $ref: '#/components/schemas/ListedRecord' },
        },
      },
    },
    InvalidParameters: {
      allOf: [{ $ref: '#/components/schemas/Problem' }],
      type: 'object',
      required: ['violations'],
      description: `Problem type ${PROBLEM_TYPES.invalidParameters.uri}: a path or query parameter breaks its schema.`,
      properties: {
        type: { const: PROBLEM_TYPES.invalidParameters.uri },
        status: { const: 400 },
        violations: { type: 'array', items: { $ref: '#/components/schemas/Violation' } },
      },
    },
    BadRequest: {
      description: 'A 400: invalid records, an invalid parameter, or (about:blank) a body without records.',
      anyOf: [
        { $ref: '#/components/schemas/Rejected' },
        { $ref: '#/components/schemas/InvalidParameters' },
        { allOf: [{ $ref: '#/components/schemas/Problem' }], properties: { type: { const: 'about:blank' } } },
      ],
    },
    Accepted: {
      type: 'object',
      required: ['jobId', 'status', 'received'],
      additionalProperties: false,
      properties: { jobId: JOB_ID, status: { const: 'accepted' }, received: { type: 'integer', minimum: 1 } },
    },
    PartiallyAccepted: {
      type: 'object',
      description:
        'The answer of ?mode=partial (207 Multi-Status): every record was published, the invalid ones flagged for ' +
        'quarantine. `records` lists the quarantined records (capped like a 400, with the totals); a line not ' +
        'listed there and not cut off by `truncated` was accepted. received = accepted + quarantined.',
      required: [
        'jobId',
        'status',
        'mode',
        'detail',
        'received',
        'accepted',
        'quarantined',
        'rejected',
        'violationsTotal',
        'truncated',
        'records',
      ],
      additionalProperties: false,
      properties: {
        jobId: JOB_ID,
        status: { const: 'accepted' },
        mode: { const: 'partial' },
        detail: { type: 'string' },
        received: { type: 'integer', minimum: 1 },
        accepted: { type: 'integer', minimum: 0 },
        quarantined: { type: 'integer', minimum: 0 },
        rejected: { type: 'integer', minimum: 0, description: 'The same as quarantined' },
        violationsTotal: { type: 'integer', minimum: 0 },
        truncated: { type: 'boolean' },
        records: {
          type: 'array',
          maxItems: MAX_VIOLATIONS_LISTED,
          items: { $ref: '#/components/schemas/ListedRecord' },
        },
      },
    },
    TimelineEntry: {
      type: 'object',
      required: ['step', 'at'],
      additionalProperties: false,
      properties: {
        step: { enum: ['accepted', 'processing', 'committed', 'quarantined', 'failed'] },
        at: { type: 'string', format: 'date-time' },
        records: { type: 'integer', minimum: 0 },
      },
    },
    Job: {
      type: 'object',
      required: ['jobId', 'dataset', 'status', 'counts', 'reasons', 'createdAt', 'updatedAt', 'timeline'],
      properties: {
        jobId: JOB_ID,
        dataset: { type: 'string' },
        status: { enum: ['accepted', 'processing', 'committed', 'failed'] },
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
        snapshotId: { type: 'string', description: 'Iceberg snapshot id (64-bit, as a decimal string)' },
        reasons: { type: 'array', items: { type: 'string' } },
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
        expiresAt: { type: 'integer', description: 'Epoch seconds after which the job is gone' },
        timeline: {
          type: 'array',
          minItems: 1,
          description: 'accepted, then processing, or committed (and quarantined, when records were), or failed',
          items: { $ref: '#/components/schemas/TimelineEntry' },
        },
      },
    },
    Health: {
      type: 'object',
      required: ['status', 'stream', 'catalog'],
      properties: {
        status: { enum: ['ok', 'degraded'] },
        stream: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } },
        catalog: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } },
      },
    },
  };
  const unauthorised = options.apiKeyHeader
    ? {
        '401': problemResponse(
          'Missing or wrong API key',
          blank(401, `missing or wrong ${options.apiKeyHeader} header`, '/v1/jobs'),
        ),
      }
    : {};
  const paths: Record<string, unknown> = {};
  for (const contract of contracts) {
    const { $schema: _dialect, $id: _id, ...schema } = contract.document;
    schemas[contract.name] = schema;
    const path = `/v1/datasets/${contract.name}/records`;
    const examples = exampleRecords(contract.name);
    const [first] = examples;
    const jsonExamples = first ? { one: { value: first }, many: { value: examples } } : undefined;
    const ndjson = examples.map((r) => `${JSON.stringify(r)}\n`).join('');
    const jobId = EXAMPLE_JOB_ID;
    paths[path] = {
      post: {
        operationId: `ingest_${contract.name}`,
        summary: `Ingest ${contract.name} records`,
        description: `${contract.description ?? ''}\n\n${limitsText}`.trim(),
        'x-lakehouse-limits': limits,
        parameters: [{ $ref: '#/components/parameters/mode' }],
        requestBody: {
          required: true,
          description: limitsText,
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  { $ref: `#/components/schemas/${contract.name}` },
                  { type: 'array', items: { $ref: `#/components/schemas/${contract.name}` } },
                ],
              },
              ...(jsonExamples ? { examples: jsonExamples } : {}),
            },
            'application/x-ndjson': {
              schema: { type: 'string', description: `one ${contract.name} JSON object per line` },
              ...(first ? { example: ndjson } : {}),
            },
            'text/csv': {
              schema: { type: 'string', description: 'header row with the contract field names' },
              ...(first ? { example: csvExample(examples) } : {}),
            },
          },
        },
        responses: {
          '202': {
            description: 'Accepted (the default mode): every record published to the stream',
            headers: location,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Accepted' },
                example: { jobId, status: 'accepted', received: 2 },
              },
            },
          },
          '207': {
            description: '?mode=partial: the valid records published, the invalid ones quarantined and listed',
            headers: location,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/PartiallyAccepted' },
                example: {
                  jobId,
                  status: 'accepted',
                  mode: 'partial',
                  detail: '1 of 2 records are invalid; they are quarantined, the others published',
                  received: 2,
                  accepted: 1,
                  quarantined: 1,
                  rejected: 1,
                  violationsTotal: 1,
                  truncated: false,
                  records: [listedExample],
                },
              },
            },
          },
          '400': problemResponse(
            'The default mode: malformed or invalid records, nothing published; their violations listed up to fixed caps, with totals. Or an invalid parameter (InvalidParameters).',
            {
              ...problemBody(
                400,
                '1 of 2 records are invalid; nothing was published',
                path,
                PROBLEM_TYPES.invalidRecords,
              ),
              received: 2,
              rejected: 1,
              violationsTotal: 1,
              truncated: false,
              records: [listedExample],
            },
            'BadRequest',
          ),
          ...unauthorised,
          '413': problemResponse(
            `Body over ${maxBodyBytes} bytes or over ${MAX_RECORDS_PER_REQUEST} records (lines)`,
            blank(413, `the body is over the ${maxBodyBytes}-byte limit: split it into smaller requests`, path),
          ),
          '415': problemResponse(
            'Unsupported content type',
            blank(415, 'unsupported content type "application/xml": use application/json, …', path),
          ),
          '503': problemResponse(
            'The stream did not store the records; nothing is lost, retry',
            blank(503, '1 of 1 stream records were not stored; retry the request', path),
          ),
        },
      },
    };
  }
  const datasetPath = '/v1/datasets/{dataset}/records';
  paths[datasetPath] = {
    post: {
      operationId: 'ingest_unknown',
      description: 'Any other dataset name: 404 when well formed, 400 otherwise.',
      parameters: [
        { name: 'dataset', in: 'path', required: true, schema: DATASET_NAME, example: 'clicks' },
        { $ref: '#/components/parameters/mode' },
      ],
      responses: {
        '400': problemResponse(
          'The dataset name or the mode breaks its schema',
          parametersExample('/v1/datasets/Bad!/records', 'dataset', 'Bad!'),
          'InvalidParameters',
        ),
        '404': problemResponse(
          'Unknown dataset',
          blank(
            404,
            `unknown dataset "clicks": known datasets are ${contracts.map((c) => c.name).join(', ')}`,
            '/v1/datasets/clicks/records',
          ),
        ),
      },
    },
  };
  paths['/v1/jobs/{jobId}'] = {
    get: {
      operationId: 'get_job',
      parameters: [{ name: 'jobId', in: 'path', required: true, schema: JOB_ID, example: EXAMPLE_JOB_ID }],
      responses: {
        '200': {
          description: 'The job, with its timeline',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/Job' },
              example: {
                jobId: EXAMPLE_JOB_ID,
                dataset: 'events',
                status: 'committed',
                counts: { received: 2, accepted: 1, quarantined: 1, parts_done: 1 },
                snapshotId: '4715203329310451234',
                reasons: [],
                createdAt: '2026-11-01T10:00:00.000Z',
                updatedAt: '2026-11-01T10:00:03.000Z',
                expiresAt: 1793181600,
                timeline: [
                  { step: 'accepted', at: '2026-11-01T10:00:00.000Z', records: 2 },
                  { step: 'committed', at: '2026-11-01T10:00:03.000Z', records: 1 },
                  { step: 'quarantined', at: '2026-11-01T10:00:03.000Z', records: 1 },
                ],
              },
            },
          },
        },
        '400': problemResponse(
          'The job id is not a UUID',
          parametersExample('/v1/jobs/nope', 'jobId', 'nope'),
          'InvalidParameters',
        ),
        ...unauthorised,
        '404': problemResponse(
          'No such job (or it expired)',
          blank(404, `no job "${EXAMPLE_JOB_ID}"`, `/v1/jobs/${EXAMPLE_JOB_ID}`),
        ),
      },
    },
  };
  paths['/health'] = {
    get: {
      operationId: 'health',
      security: [],
      responses: {
        '200': {
          description: 'Live, with stream and catalog reachability',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/Health' },
              example: {
                status: 'ok',
                stream: { ok: true, detail: {} },
                catalog: { ok: true, detail: { checked: false } },
              },
            },
          },
        },
        '503': {
          description: 'A dependency is unreachable',
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/Health' },
              example: {
                status: 'degraded',
                stream: { ok: false, detail: { error: 'unreachable' } },
                catalog: { ok: true, detail: { checked: false } },
              },
            },
          },
        },
      },
    },
  };
  paths['/openapi.json'] = {
    get: {
      operationId: 'openapi',
      security: [],
      responses: {
        '200': {
          description: 'This document',
          content: { 'application/json': { schema: { type: 'object' }, example: { openapi: '3.1.0' } } },
        },
      },
    },
  };
  const security = options.apiKeyHeader ? [{ apiKey: [] }] : [];
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'lakehouse ingest API', version: '1.1.0', description: limitsText },
    'x-lakehouse-limits': limits,
    paths,
    components: {
      schemas,
      parameters: {
        mode: {
          name: 'mode',
          in: 'query',
          required: false,
          description:
            '`all` (default): one invalid record refuses the request (400), nothing is published. `partial`: the ' +
            'valid records are published, the invalid ones quarantined; the answer (207) lists them.',
          schema: INGEST_MODE,
          example: 'partial',
        },
      },
      ...(options.apiKeyHeader
        ? { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: options.apiKeyHeader } } }
        : {}),
    },
    security,
  };
}

/** The example of an invalid-parameters problem: a path parameter that breaks its pattern. */
function parametersExample(path: string, name: string, value: string): Record<string, unknown> {
  return {
    ...problemBody(400, 'a parameter breaks its schema', path, PROBLEM_TYPES.invalidParameters),
    violations: [{ path: `/params/${name}`, rule: 'pattern', expected: 'must match pattern', actual: value }],
  };
}
