// The API's routes, in one table both adapters register: Fastify's router in the local server (server.ts), and
// find-my-way — the router Fastify itself uses — in front of the Lambda (dispatch.ts). Each route names its
// parameters' JSON Schemas (params.ts) and the operation it runs; a path that exists under another method is a 405.
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { problem, type ApiRequest, type ApiResponse } from './http.ts';
import { INGEST_PARAMS, INGEST_QUERY, JOB_PARAMS, type IngestMode } from './params.ts';
import { boundedText } from './rejection.ts';
import type { IngestApi } from './service.ts';

/** A request once routed: its path parameters and query as the schemas checked them. */
export interface RoutedRequest {
  readonly request: ApiRequest;
  readonly params: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, unknown>>;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** find-my-way / Fastify syntax, e.g. `/v1/jobs/:jobId`. */
  readonly url: string;
  readonly params?: object;
  readonly querystring?: object;
  /** Behind the local API-key check (when on). */
  readonly authenticated: boolean;
  readonly run: (api: IngestApi, routed: RoutedRequest) => Promise<ApiResponse>;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', url: '/health', authenticated: false, run: (api) => api.health() },
  {
    method: 'GET',
    url: '/openapi.json',
    authenticated: false,
    run: async (api) => ({ status: 200, body: api.openapi }),
  },
  {
    method: 'POST',
    url: '/v1/datasets/:dataset/records',
    params: INGEST_PARAMS,
    querystring: INGEST_QUERY,
    authenticated: true,
    run: (api, { request, params, query }) =>
      api.ingest(params.dataset as string, (query.mode ?? 'all') as IngestMode, request),
  },
  {
    method: 'GET',
    url: '/v1/jobs/:jobId',
    params: JOB_PARAMS,
    authenticated: true,
    run: (api, { request, params }) => api.job(params.jobId as string, request.path),
  },
];

/**
 * Options of both routers: a parameter as long as a URL may be (Node refuses longer request lines) reaches its
 * schema and is a 400 there, rather than a 414 from Fastify's default limit of 100 characters.
 */
export const ROUTER_OPTIONS = { ignoreTrailingSlash: false, maxParamLength: 16 * 1024 } as const;

export type RouteMatch =
  { readonly route: ApiRoute; readonly params: Record<string, string> } | { readonly allowed: readonly string[] };

/** Routes a method and path through find-my-way: the route with its raw parameters, or the methods the path has. */
export function createRouter(routes: readonly ApiRoute[] = API_ROUTES): (method: string, path: string) => RouteMatch {
  const router = FindMyWay(ROUTER_OPTIONS);
  for (const route of routes) router.on(route.method, route.url, () => undefined, route);
  const methods = [...new Set(routes.map((route) => route.method))];
  return (method, path) => {
    const found = router.find(method as HTTPMethod, path);
    if (found) return { route: found.store as ApiRoute, params: { ...found.params } as Record<string, string> };
    return { allowed: methods.filter((other) => router.find(other, path)) };
  };
}

/** The answer when no route matched: 405 with `Allow` when the path exists under other methods, else 404. */
export function unrouted(method: string, path: string, allowed: readonly string[]): ApiResponse {
  if (allowed.length)
    return problem(405, `use ${allowed.join(' or ')} on this path`, path, undefined, {}, { allow: allowed.join(', ') });
  return problem(404, `no route ${boundedText(method)} ${boundedText(path)}`, path);
}
