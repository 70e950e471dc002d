// The ingest API's OpenAPI 3.1 document, generated from the data contracts: OpenAPI 3.1 uses JSON Schema 2020-12,
// so each contract document is the request schema of its dataset as it is. The limits every request must keep
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
  const schemas: Record<string, unknown> = {
    Violation: {
      type: 'object',
      required: ['path', 'rule', 'expected', 'actual'],
      description: `Texts are cut to ${MAX_VIOLATION_TEXT_CHARS} characters (ending in …); an array or object whose JSON is longer is shown as the cut JSON text.`,
      properties: { path: { type: 'string' }, rule: { type: 'string' }, expected: { type: 'string' }, actual: {} },
    },
    Rejected: {
      type: 'object',
      required: ['error', 'received', 'rejected', 'violationsTotal', 'truncated', 'records'],
      description:
        `The invalid records in request order, with at most ${MAX_VIOLATIONS_LISTED_PER_RECORD} violations each ` +
        `and ${MAX_VIOLATIONS_LISTED} in all; the totals count every one. At most ${MAX_REJECTION_BODY_BYTES} bytes.`,
      properties: {
        error: { type: 'string' },
        received: { type: 'integer', description: 'Records in the request' },
        rejected: { type: 'integer', description: 'Invalid records, listed or not' },
        violationsTotal: { type: 'integer', description: 'Violations of all invalid records, listed or not' },
        truncated: { type: 'boolean', description: 'Some invalid records or violations are not listed' },
        records: {
          type: 'array',
          maxItems: MAX_VIOLATIONS_LISTED,
          items: {
            type: 'object',
            required: ['line', 'reason', 'violations', 'violationsTotal', 'truncated'],
            properties: {
              line: { type: 'integer', description: '1-based line (NDJSON, CSV) or array position (JSON)' },
              reason: { enum: ['parse', 'validation', 'duplicate'] },
              violations: {
                type: 'array',
                maxItems: MAX_VIOLATIONS_LISTED_PER_RECORD,
                items: { $ref: '#/components/schemas/Violation' },
              },
              violationsTotal: { type: 'integer' },
              truncated: { type: 'boolean', description: 'Some of this record’s violations are not listed' },
            },
          },
        },
      },
    },
    Accepted: {
      type: 'object',
      required: ['jobId', 'status', 'received'],
      properties: { jobId: { type: 'string' }, status: { const: 'accepted' }, received: { type: 'integer' } },
    },
    Job: {
      type: 'object',
      required: ['jobId', 'dataset', 'status', 'counts'],
      properties: {
        jobId: { type: 'string' },
        dataset: { type: 'string' },
        status: { enum: ['accepted', 'processing', 'committed', 'failed'] },
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
        snapshotId: { type: 'string', description: 'Iceberg snapshot id (64-bit, as a decimal string)' },
        reasons: { type: 'array', items: { type: 'string' } },
      },
    },
    Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
  };
  const paths: Record<string, unknown> = {};
  for (const contract of contracts) {
    const { $schema: _dialect, $id: _id, ...schema } = contract.document;
    schemas[contract.name] = schema;
    paths[`/v1/datasets/${contract.name}/records`] = {
      post: {
        operationId: `ingest_${contract.name}`,
        summary: `Ingest ${contract.name} records`,
        description: `${contract.description ?? ''}\n\n${limitsText}`.trim(),
        'x-lakehouse-limits': limits,
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
            },
            'application/x-ndjson': {
              schema: { type: 'string', description: `one ${contract.name} JSON object per line` },
            },
            'text/csv': { schema: { type: 'string', description: 'header row with the contract field names' } },
          },
        },
        responses: {
          '202': {
            description: 'Accepted: published to the stream',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
          },
          '400': {
            description:
              'Malformed or invalid records, nothing published: their violations listed up to fixed caps, with totals',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Rejected' } } },
          },
          '413': {
            description: `Body over ${maxBodyBytes} bytes or over ${MAX_RECORDS_PER_REQUEST} records (lines)`,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
          '415': {
            description: 'Unsupported content type',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    };
  }
  paths['/v1/datasets/{dataset}/records'] = {
    post: {
      operationId: 'ingest_unknown',
      parameters: [{ name: 'dataset', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '404': {
          description: 'Unknown dataset',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
  };
  paths['/v1/jobs/{jobId}'] = {
    get: {
      operationId: 'get_job',
      parameters: [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': {
          description: 'The job',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } },
        },
        '404': {
          description: 'No such job',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
  };
  paths['/health'] = {
    get: {
      operationId: 'health',
      responses: {
        '200': { description: 'Live, with stream and catalog reachability' },
        '503': { description: 'A dependency is unreachable' },
      },
    },
  };
  const security = options.apiKeyHeader ? [{ apiKey: [] }] : [];
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'lakehouse ingest API', version: '1.0.0', description: limitsText },
    'x-lakehouse-limits': limits,
    paths,
    components: {
      schemas,
      ...(options.apiKeyHeader
        ? { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: options.apiKeyHeader } } }
        : {}),
    },
    security,
  };
}
