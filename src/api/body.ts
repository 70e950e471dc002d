// A request body → parsed items, within the API's limits, through the same parsers as files (JSON arrays element
// by element, NDJSON line by line, CSV row by row; every JSON text decoded exactly by formats/json-value.ts, which
// refuses nesting deeper than MAX_RECORD_DEPTH before any value is built). Bytes are checked as UTF-8 before they
// are decoded, the record count before (NDJSON, CSV) or while (JSON) records are built.
import { isUtf8 } from 'node:buffer';
import { LakehouseError } from '../errors.ts';
import { parseBytes, type ParsedItem } from '../formats/index.ts';
import { MAX_RECORDS_PER_REQUEST } from './limits.ts';

export type BodyFormat = 'json' | 'ndjson' | 'csv';

/** The body's items, or `tooMany` when it holds more than MAX_RECORDS_PER_REQUEST records (or lines). */
export type ParsedBody = { readonly items: ParsedItem[] } | { readonly tooMany: true };

const TOO_MANY = { tooMany: true } as const;
const NEWLINE = 0x0a;

export async function parseBody(format: BodyFormat, body: Uint8Array): Promise<ParsedBody> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (format === 'json') {
    // The decoder gives every element its own verdict (UTF-8, depth, duplicate keys, exact numbers); the body as
    // a whole must still be UTF-8, as NDJSON and CSV bodies are line by line.
    if (!isUtf8(bytes)) return { items: [unparseable('encoding', 'the body is not valid UTF-8', 1)] };
  } else {
    const lines = lineCount(bytes);
    if ((format === 'csv' ? lines - 1 : lines) > MAX_RECORDS_PER_REQUEST) return TOO_MANY;
  }
  if (format === 'csv' && !isUtf8(bytes)) {
    // The CSV parser flags rows with bad bytes; a bad header would only turn into odd field names.
    const end = bytes.indexOf(NEWLINE);
    if (!isUtf8(bytes.subarray(0, end === -1 ? bytes.length : end)))
      return { items: [unparseable('encoding', 'the CSV header is not valid UTF-8', 1)] };
  }
  const items: ParsedItem[] = [];
  try {
    // Fed in slices, so a JSON array of millions of tiny elements is refused once it passes the record limit,
    // before millions of items exist.
    for await (const parsed of parseBytes(format, slices(bytes))) {
      // A JSON body's records are named by their position in the array (the API's `line`), as NDJSON and CSV
      // records are by their line.
      for (const item of parsed) items.push(format === 'json' ? { ...item, line: items.length + 1 } : item);
      if (items.length > MAX_RECORDS_PER_REQUEST) return TOO_MANY;
    }
  } catch (error) {
    // A CSV header naming a column twice stops the parser: the body as a whole is unreadable.
    if (error instanceof LakehouseError && error.code === 'PARSE')
      return { items: [unparseable(format, error.message, 1)] };
    throw error;
  }
  return { items };
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

const SLICE_BYTES = 64 * 1024;

async function* slices(body: Buffer): AsyncIterable<Uint8Array> {
  for (let at = 0; at < body.length; at += SLICE_BYTES) yield body.subarray(at, at + SLICE_BYTES);
}
