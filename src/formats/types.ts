// What every input format yields: records (as JSON-like objects) or unparseable items, in chunks, each with its
// position in the source so that a quarantined item can be found again.

export type InputFormat = 'json' | 'ndjson' | 'csv' | 'parquet';
export const SUPPORTED_FORMATS: readonly InputFormat[] = ['json', 'ndjson', 'csv', 'parquet'];

export interface ParsedRecord {
  readonly kind: 'record';
  readonly value: unknown;
  /** The record as received (a line, a CSV row, an array element's text, or the JSON re-serialised Parquet row). */
  readonly raw: string;
  /** 1-based line (NDJSON/CSV/JSON) or row number (Parquet) where the record starts. */
  readonly line: number;
  /** Byte offset of the record's start where the format knows it. */
  readonly offset?: number;
}

export interface Unparseable {
  readonly kind: 'unparseable';
  /**
   * `json` (broken JSON), `too_deep` (nested beyond MAX_JSON_DEPTH), `duplicate_key`, `csv` (quoting, column
   * count), `encoding` (bad UTF-8, or a lone surrogate escape), `too_large`, `parquet`.
   */
  readonly rule: string;
  readonly message: string;
  /** JSON Pointer inside the record where the problem is, when known (e.g. the repeated key). */
  readonly path?: string;
  readonly raw: string;
  readonly line: number;
  readonly offset?: number;
}

export type ParsedItem = ParsedRecord | Unparseable;

export interface ParseOptions {
  /** CSV delimiter (default `,`). */
  readonly delimiter?: string;
  /** CSV without a header row: the names of its columns, in order (default: the first row names them). */
  readonly columns?: readonly string[];
  /** Bytes read per chunk (default 1 MiB). */
  readonly chunkBytes?: number;
  /** A single line/record larger than this is quarantined as `too_large` instead of buffered (default 16 MiB). */
  readonly maxRecordBytes?: number;
}

export type Parser = (input: AsyncIterable<Uint8Array>, options: ParseOptions) => AsyncIterable<ParsedItem[]>;

/** How much of an oversized record an unparseable item keeps (enough to find it in the source). */
const TOO_LARGE_PREVIEW_BYTES = 1024;

/** The one `too_large` item of every format: the record's first bytes, its line and (where known) byte offset. */
export function tooLargeItem(bytes: Uint8Array, maxRecordBytes: number, line: number, offset?: number): Unparseable {
  return {
    kind: 'unparseable',
    rule: 'too_large',
    message: `record is larger than ${maxRecordBytes} bytes`,
    raw: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
      'utf8',
      0,
      Math.min(bytes.byteLength, TOO_LARGE_PREVIEW_BYTES),
    ),
    line,
    ...(offset !== undefined ? { offset } : {}),
  };
}
