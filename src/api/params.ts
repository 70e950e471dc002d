// The JSON Schemas of the routes' path and query parameters, and the Ajv options both adapters validate them with:
// Fastify compiles them with its own Ajv (configured with these options), the Lambda adapter with one of its own,
// so a parameter is refused alike in either, and the OpenAPI document publishes the same schemas.
import type { ErrorObject, Options } from 'ajv';
import type { Violation } from '../records/validate.ts';
import { boundedValue } from './rejection.ts';

/** Every error reported, nothing coerced or dropped; defaults (`mode`) filled in. */
export const PARAMETER_AJV_OPTIONS: Options = {
  allErrors: true,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: true,
};

/** Dataset names as the contracts spell them; a well-formed name no contract has is a 404, not a 400. */
export const DATASET_NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$', examples: ['events'] } as const;

export const EXAMPLE_JOB_ID = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';

/** Job ids are UUIDs (this API makes them). */
export const JOB_ID = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  examples: [EXAMPLE_JOB_ID],
} as const;

export type IngestMode = 'all' | 'partial';

/** `all` (default): one invalid record refuses the request. `partial`: the valid are published, the rest quarantined. */
export const INGEST_MODE = { type: 'string', enum: ['all', 'partial'], default: 'all' } as const;

export const INGEST_PARAMS = {
  type: 'object',
  required: ['dataset'],
  properties: { dataset: DATASET_NAME },
} as const;
export const INGEST_QUERY = { type: 'object', properties: { mode: INGEST_MODE } } as const;
export const JOB_PARAMS = { type: 'object', required: ['jobId'], properties: { jobId: JOB_ID } } as const;

/** Ajv's errors about a request's `params` or `querystring` as the API's violations. */
export function parameterViolations(
  where: string,
  errors: readonly ErrorObject[],
  values: Readonly<Record<string, unknown>>,
): Violation[] {
  return errors.map((error) => {
    const name = error.instancePath.slice(1) || String(error.params.missingProperty ?? '');
    return {
      path: `/${where}/${name}`,
      rule: error.keyword,
      expected: error.message ?? error.keyword,
      actual: name in values ? boundedValue(values[name]) : null,
    };
  });
}
