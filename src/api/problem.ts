// Errors as RFC 9457 problem details (`application/problem+json`): every error answer of the API, from either
// adapter, is built here. A problem type with its own meaning (and extension members) has a `tag:` URI, which names
// it without pretending to be a web page (RFC 9457 §3.1.1, §4); every other error is `about:blank` with the HTTP
// status phrase as its title. Texts taken from the request are cut (boundedText), so an answer stays bounded.
import { STATUS_CODES } from 'node:http';
import { boundedText } from './rejection.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem types with their own meaning; docs/api.md describes each. */
export const PROBLEM_TYPES = {
  /** Records failed parsing or validation: `received`, `rejected`, `violationsTotal`, `truncated`, `records`. */
  invalidRecords: { uri: 'tag:lakehouse,2026:problems/invalid-records', title: 'The records are invalid' },
  /** A path or query parameter broke its schema: `violations`. */
  invalidParameters: { uri: 'tag:lakehouse,2026:problems/invalid-parameters', title: 'A parameter is invalid' },
} as const;

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The request path the problem occurred on. */
  readonly instance: string;
  readonly [extension: string]: unknown;
}

export type ProblemType = (typeof PROBLEM_TYPES)[keyof typeof PROBLEM_TYPES];

/** A problem body; `type` omitted is `about:blank`, titled with the status phrase. */
export function problemBody(
  status: number,
  detail: string,
  instance: string,
  type?: ProblemType,
  extensions: Readonly<Record<string, unknown>> = {},
): Problem {
  return {
    type: type?.uri ?? 'about:blank',
    title: type?.title ?? STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: boundedText(instance),
    ...extensions,
  };
}
