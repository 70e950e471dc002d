// CSV via csv-parse (quoting, embedded newlines, custom delimiters), with a header row or with `columns` given for
// a file without one (csv-layout.ts works out which, and the delimiter, for files). A UTF-8 BOM is skipped. Cells
// stay text here; the record path coerces them per contract. Wrong column counts, broken quoting and bad UTF-8 are
// quarantined with their line number and parsing goes on.
import { parse, type CsvError, type Info } from 'csv-parse';
import { Readable } from 'node:stream';
import { LakehouseError } from '../errors.ts';
import { columnCountMessage } from './csv-messages.ts';
import type { ParseOptions, ParsedItem } from './types.ts';

const REPLACEMENT = '\ufffd';

export async function* parseCsv(input: AsyncIterable<Uint8Array>, options: ParseOptions): AsyncIterable<ParsedItem[]> {
  const delimiter = options.delimiter ?? ',';
  let sawInvalidUtf8 = false;
  // Decode ourselves (streaming, so multi-byte characters may straddle chunks) to learn whether the input held
  // invalid UTF-8: csv-parse would replace it silently.
  async function* decoded(): AsyncIterable<string> {
    const decoder = new TextDecoder('utf-8', { fatal: false });
    const strict = new TextDecoder('utf-8', { fatal: true });
    for await (const chunk of input) {
      if (!sawInvalidUtf8) {
        try {
          strict.decode(chunk, { stream: true });
        } catch {
          sawInvalidUtf8 = true;
        }
      }
      yield decoder.decode(chunk, { stream: true });
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  }

  let skipped: ParsedItem[] = [];
  const parser = Readable.from(decoded()).pipe(
    parse({
      delimiter,
      // Both line endings everywhere: csv-parse otherwise keeps to the first one it sees, and in a file of mixed
      // endings a CRLF after a closing quote is an error after which it reads the rest as one unclosed quote.
      record_delimiter: ['\r\n', '\n'],
      bom: true,
      columns: false,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
      raw: true,
      on_skip: (error: CsvError | undefined, raw: string | undefined) => {
        skipped.push({
          kind: 'unparseable',
          rule: 'csv',
          message: error ? `${error.code}: ${error.message}` : 'unreadable CSV record',
          raw: raw ?? '',
          line: Number(error?.lines ?? 0),
        });
        return undefined;
      },
    }),
  );

  let header: readonly string[] | undefined = options.columns;
  let batch: ParsedItem[] = [];
  for await (const entry of parser as AsyncIterable<{ record: string[]; info: Info; raw: string }>) {
    const { record, info, raw } = entry;
    const line = info.lines - countNewlines(raw.replace(/\r?\n$/, ''));
    if (!header) {
      header = headerNames(record);
      continue;
    }
    const text = raw.replace(/\r?\n$/, '');
    if (skipped.length) {
      // csv-parse reports a broken record when it parses it, which may be well ahead of the record being read
      // here (it buffers): release each one at its own position, so the order does not depend on buffering.
      const due = skipped.filter((item) => item.line < line);
      if (due.length) {
        batch.push(...due);
        skipped = skipped.filter((item) => item.line >= line);
      }
    }
    if (sawInvalidUtf8 && text.includes(REPLACEMENT)) {
      batch.push({ kind: 'unparseable', rule: 'encoding', message: 'record is not valid UTF-8', raw: text, line });
    } else if (record.length !== header.length) {
      batch.push({
        kind: 'unparseable',
        rule: 'csv',
        message: columnCountMessage(header.length, record.length),
        raw: text,
        line,
      });
    } else {
      const value: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) value[header[i] as string] = record[i] as string;
      batch.push({ kind: 'record', value, raw: text, line });
    }
    if (batch.length >= 4096) {
      yield batch;
      batch = [];
    }
  }
  batch.push(...skipped);
  if (batch.length) yield batch;
}

/** A header row's column names (trimmed); a name given twice is an error, as no record could be read by it. */
export function headerNames(record: readonly string[]): string[] {
  const names = record.map((name) => name.trim());
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new LakehouseError('PARSE', `CSV header names column "${duplicate}" twice`);
  return names;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
