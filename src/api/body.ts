// A request body → parsed items, within the API's limits. The body is already in memory (at most the body
// limit), so a JSON body is parsed in one go (the streaming parser is for files larger than memory); NDJSON and
// CSV go through the same parsers as files. Bytes are checked as UTF-8 before they are decoded, the record count
// before records are built, the nesting depth before anything recurses on a record.
import { isUtf8 } from 'node:buffer';
import { LakehouseError } from '../errors.ts';
import { parseBytes, type ParsedItem } from '../formats/index.ts';
import { MAX_RECORD_DEPTH, MAX_RECORDS_PER_REQUEST } from './limits.ts';
import { jsonPreview } from './rejection.ts';

export type BodyFormat = 'json' | 'ndjson' | 'csv';

/** The body's items, or `tooMany` when it holds more than MAX_RECORDS_PER_REQUEST records (or lines). */
export type ParsedBody = { readonly items: ParsedItem[] } | { readonly tooMany: true };

const TOO_MANY = { tooMany: true } as const;
const NEWLINE = 0x0a;
/** How much of an unusable input an internal quarantine entry keeps (the API answer shows none of it). */
const RAW_KEPT_CHARS = 1024;

export async function parseBody(format: BodyFormat, body: Uint8Array): Promise<ParsedBody> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (format === 'json') return parseJsonBody(bytes);
  const lines = lineCount(bytes);
  if ((format === 'csv' ? lines - 1 : lines) > MAX_RECORDS_PER_REQUEST) return TOO_MANY;
  if (format === 'csv' && !isUtf8(bytes)) {
    // The CSV parser flags rows with bad bytes; a bad header would only turn into odd field names.
    const end = bytes.indexOf(NEWLINE);
    if (!isUtf8(bytes.subarray(0, end === -1 ? bytes.length : end)))
      return { items: [unparseable('encoding', 'the CSV header is not valid UTF-8', 1)] };
  }
  const items: ParsedItem[] = [];
  try {
    for await (const parsed of parseBytes(format, oneChunk(bytes))) {
      for (const item of parsed)
        items.push(item.kind === 'record' ? guardDepth(item.value, item.line, item.raw) : item);
    }
  } catch (error) {
    // A CSV header naming a column twice stops the parser: the body as a whole is unreadable.
    if (error instanceof LakehouseError && error.code === 'PARSE')
      return { items: [unparseable(format, error.message, 1)] };
    throw error;
  }
  return { items };
}

function parseJsonBody(bytes: Buffer): ParsedBody {
  if (!isUtf8(bytes)) return { items: [unparseable('encoding', 'the body is not valid UTF-8', 1)] };
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { items: [unparseable('json', (error as Error).message, 1, text.slice(0, RAW_KEPT_CHARS))] };
  }
  if (!Array.isArray(value)) return { items: [guardDepth(value, 1, text)] };
  if (value.length > MAX_RECORDS_PER_REQUEST) return TOO_MANY;
  // An array element's text is its value serialised again, once its depth is known to be safe to serialise.
  return { items: value.map((record: unknown, i) => guardDepth(record, i + 1, () => JSON.stringify(record))) };
}

/** The record, or an unparseable item when it nests deeper than MAX_RECORD_DEPTH. */
function guardDepth(value: unknown, line: number, raw: string | (() => string)): ParsedItem {
  if (depthExceeds(value, MAX_RECORD_DEPTH)) {
    const preview = jsonPreview(value, RAW_KEPT_CHARS).text;
    return unparseable('too_deep', `the record nests deeper than ${MAX_RECORD_DEPTH} levels`, line, preview);
  }
  return { kind: 'record', value, raw: typeof raw === 'string' ? raw : raw(), line };
}

/** Whether arrays and objects nest deeper than `max` levels (a scalar is 0 deep, `{}` 1); no recursion. */
export function depthExceeds(value: unknown, max: number): boolean {
  const stack: { value: object; depth: number }[] = [];
  if (value !== null && typeof value === 'object') stack.push({ value, depth: 1 });
  for (let top = stack.pop(); top; top = stack.pop()) {
    if (top.depth > max) return true;
    const children: unknown[] = Array.isArray(top.value) ? top.value : Object.values(top.value);
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: top.depth + 1 });
  }
  return false;
}

/** Lines of a text body: newline bytes, plus a last line without one. */
function lineCount(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return bytes.length && bytes[bytes.length - 1] !== NEWLINE ? lines + 1 : lines;
}

function unparseable(rule: string, message: string, line: number, raw = ''): ParsedItem {
  return { kind: 'unparseable', rule, message, raw, line };
}

async function* oneChunk(body: Uint8Array): AsyncIterable<Uint8Array> {
  yield body;
}
