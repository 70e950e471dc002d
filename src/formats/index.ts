// Opens an input (a file path, or bytes already in memory such as an HTTP body) as parsed items.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ioError } from '../errors.ts';
import { parseCsv } from './csv.ts';
import { delimiterFor, detectFormat } from './detect.ts';
import { parseJson } from './json.ts';
import { parseNdjson } from './ndjson.ts';
import { parseParquetFile } from './parquet.ts';
import type { InputFormat, ParseOptions, ParsedItem } from './types.ts';

export * from './types.ts';
export { detectFormat, parseFormatName, sniffFormat } from './detect.ts';

export interface OpenedInput {
  readonly format: InputFormat;
  readonly items: AsyncIterable<ParsedItem[]>;
}

export async function openFile(path: string, options: ParseOptions & { format?: string } = {}): Promise<OpenedInput> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
  } catch (error) {
    throw ioError('reading input', path, error);
  }
  const format = await detectFormat(path, options.format);
  if (format === 'parquet') return { format, items: parseParquetFile(path) };
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1024 * 1024 });
  const parseOptions = { ...options, delimiter: delimiterFor(path, options.delimiter) };
  return { format, items: parseBytes(format, stream, parseOptions) };
}

/** Parses text formats from any byte source (a file stream, an HTTP body, a Kinesis record). */
export function parseBytes(
  format: Exclude<InputFormat, 'parquet'>,
  input: AsyncIterable<Uint8Array>,
  options: ParseOptions = {},
): AsyncIterable<ParsedItem[]> {
  switch (format) {
    case 'ndjson':
      return parseNdjson(input, options);
    case 'json':
      return parseJson(input, options);
    case 'csv':
      return parseCsv(input, options);
  }
}
