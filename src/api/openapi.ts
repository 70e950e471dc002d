// The ingest API's OpenAPI 3.1 document, generated from the data contracts: OpenAPI 3.1 uses JSON Schema 2020-12,
// so each contract document is the request schema of its dataset as it is.
import type { Contract } from '../contracts/model.ts';

export function openApiDocument(
  contracts: readonly Contract[],
  options: { apiKeyHeader?: string } = {},
): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    Violation: {
      type: 'object',
      required: ['path', 'rule', 'expected', 'actual'],
      properties: { path: { type: 'string' }, rule: { type: 'string' }, expected: { type: 'string' }, actual: {} },
    },
    Rejected: {
      type: 'object',
      required: ['error', 'records'],
      properties: {
        error: { type: 'string' },
        records: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              index: { type: 'integer' },
              line: { type: 'integer' },
              violations: { type: 'array', items: { $ref: '#/components/schemas/Violation' } },
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
        description: contract.description,
        requestBody: {
          required: true,
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
            description: 'Malformed or invalid records: every violation listed, nothing published',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Rejected' } } },
          },
          '413': {
            description: 'Body over the size limit',
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
    info: { title: 'lakehouse ingest API', version: '1.0.0' },
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
