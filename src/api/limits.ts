// The ingest API's limits, in one place: the service enforces them, the OpenAPI document publishes them, the
// envelope builder relies on them. Each bounds the work or the memory one request can cost, whatever it holds.
import { MAX_JSON_DEPTH } from '../formats/json-value.ts';

/** Default body limit (API Gateway allows 10 MB, a Lambda invocation 6 MB; the Lambda reads base64). */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Largest record as published (its JSON text in bytes). A record travels in one stream record, which Kinesis caps
 * at 1 MiB; the rest of that MiB is the envelope's header.
 */
export const MAX_RECORD_BYTES = 900 * 1024;

/**
 * Records per request: JSON array elements, or lines of an NDJSON or CSV body (counted before parsing, so a body
 * of millions of tiny lines costs one byte scan). Beyond it the request is refused whole with 413.
 */
export const MAX_RECORDS_PER_REQUEST = 50_000;

/**
 * Deepest nesting of arrays and objects in a record; the contracts nest a few levels, hostile input 10,000s. The
 * API refuses exactly what every other input path refuses: the shared decoder's limit (formats/json-value.ts).
 */
export const MAX_RECORD_DEPTH = MAX_JSON_DEPTH;

/** A 400 (or a partial 207) lists at most this many violations of one record; `violationsTotal` gives the full count. */
export const MAX_VIOLATIONS_LISTED_PER_RECORD = 20;

/** A 400 lists at most this many violations in all (so at most this many records); the totals are always given. */
export const MAX_VIOLATIONS_LISTED = 100;

/** Each text in a listed violation (path, rule, expected, actual) is cut to this many characters. */
export const MAX_VIOLATION_TEXT_CHARS = 160;

/**
 * Upper bound of a 400 body in bytes, whatever the request: every listed text JSON-escaped at worst (6 bytes per
 * UTF-16 unit, plus the cut mark), a fixed allowance for keys, numbers and punctuation per violation and record,
 * and for the problem details' members (the instance, a request path, cut and escaped like a listed text).
 */
export const MAX_REJECTION_BODY_BYTES =
  MAX_VIOLATIONS_LISTED * (4 * 6 * (MAX_VIOLATION_TEXT_CHARS + 1) + 96) +
  MAX_VIOLATIONS_LISTED * 160 +
  6 * (MAX_VIOLATION_TEXT_CHARS + 1) +
  640;

/** Server-side time limits of the local HTTP server (API Gateway applies its own in AWS). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
