// The API behind API Gateway: a request routed by find-my-way (routes.ts), its parameters checked against their
// JSON Schemas by Ajv with the options Fastify is given too (params.ts), then the route's operation. The local
// server does the same through Fastify's own router and validation (server.ts).
import { Ajv, type ValidateFunction } from 'ajv';
import { createLogger } from '../log.ts';
import { problem, type ApiRequest, type ApiResponse } from './http.ts';
import { PARAMETER_AJV_OPTIONS, parameterViolations } from './params.ts';
import { PROBLEM_TYPES } from './problem.ts';
import { API_ROUTES, createRouter, unrouted, type ApiRoute } from './routes.ts';
import { boundedText } from './rejection.ts';
import type { IngestApi } from './service.ts';

const log = createLogger('ingest-api');

export type Dispatch = (request: ApiRequest) => Promise<ApiResponse>;

export function createDispatch(api: IngestApi): Dispatch {
  const route = createRouter(API_ROUTES);
  const ajv = new Ajv(PARAMETER_AJV_OPTIONS);
  const validators = new Map<ApiRoute, { params?: ValidateFunction; querystring?: ValidateFunction }>(
    API_ROUTES.map((r) => [
      r,
      {
        ...(r.params ? { params: ajv.compile(r.params) } : {}),
        ...(r.querystring ? { querystring: ajv.compile(r.querystring) } : {}),
      },
    ]),
  );
  return async (request) => {
    const { method, path } = request;
    const match = route(method, path);
    if (!('route' in match)) {
      // find-my-way finds nothing for a path whose percent-escapes are not UTF-8; Fastify calls that a bad URL.
      if (!decodable(path))
        return parameterProblem(path, 'params', 'the path holds a percent-escape that is not UTF-8');
      return unrouted(method, path, match.allowed);
    }
    if (match.route.authenticated) {
      const authorised = api.authorise(request.headers, path);
      if (authorised !== true) return authorised;
    }
    const params: Record<string, unknown> = { ...match.params };
    const query: Record<string, unknown> = Object.fromEntries(new URLSearchParams(request.query ?? ''));
    const checks = validators.get(match.route) ?? {};
    for (const [where, values] of [
      ['params', params],
      ['querystring', query],
    ] as const) {
      const validate = checks[where];
      if (validate && !validate(values))
        return parameterProblem(path, where, 'a parameter breaks its schema', validate.errors ?? [], values);
    }
    try {
      return await match.route.run(api, { request, params, query });
    } catch (error) {
      return internalError(path, error);
    }
  };
}

/** The 500 for an operation that threw: logged with its cause, answered without it (both adapters). */
export function internalError(path: string, error: unknown): ApiResponse {
  log.error({ path: boundedText(path), err: error instanceof Error ? error.message : String(error) }, 'failed');
  return problem(500, 'the request could not be completed; it is safe to retry', path);
}

/** The 400 for parameters that break their schemas (both adapters answer it). */
export function parameterProblem(
  path: string,
  where: 'params' | 'querystring',
  detail: string,
  errors: Parameters<typeof parameterViolations>[1] = [],
  values: Readonly<Record<string, unknown>> = {},
): ApiResponse {
  return problem(400, detail, path, PROBLEM_TYPES.invalidParameters, {
    violations: parameterViolations(where, errors, values),
  });
}

function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}
