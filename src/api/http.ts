// A request and a response as the API's operations see them, whichever adapter carries them (API Gateway's
// Lambda event, Fastify's request), and the response as both adapters write it.
import { PROBLEM_CONTENT_TYPE, problemBody, type ProblemType } from './problem.ts';

export interface ApiRequest {
  readonly method: string;
  /** Path without query string, e.g. `/v1/datasets/events/records`. */
  readonly path: string;
  /** The query string without its `?` (empty when there is none). */
  readonly query?: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An error answer: RFC 9457 problem details, `application/problem+json`. */
export function problem(
  status: number,
  detail: string,
  instance: string,
  type?: ProblemType,
  extensions?: Readonly<Record<string, unknown>>,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse {
  return {
    status,
    body: problemBody(status, detail, instance, type, extensions),
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
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
