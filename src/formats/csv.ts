// CSV via csv-parse (quoting, embedded newlines, custom delimiters), with a header row or with `columns` given for
// a file without one (csv-layout.ts works out which, and the delimiter, for files). A UTF-8 BOM is skipped. Cells
// stay text here; the record path coerces them per contract. csv-records.ts first cuts the input into records
// (line ends `\n` and `\r\n`, mixed as they come), so that a broken record — wrong column count, broken quoting,
// bad UTF-8, more than maxRecordBytes (`too_large`) — is one quarantined item with its line number, and parsing
// goes on at the next record. csv-parse reads the cells: runs of well-formed records in one call, a malformed
// record alone (for its error message).
import { isUtf8 } from 'node:buffer';
import { CsvError, parse, type Options as CsvParseOptions } from 'csv-parse/sync';
import { LakehouseError } from '../errors.ts';
import { csvRecordItem } from './csv-messages.ts';
import { CsvRecordSplitter, type CsvRecordBytes } from './csv-records.ts';
import { tooLargeItem, type ParseOptions, type ParsedItem } from './types.ts';

const BATCH_ITEMS = 4096;

export async function* parseCsv(input: AsyncIterable<Uint8Array>, options: ParseOptions): AsyncIterable<ParsedItem[]> {
  const delimiter = options.delimiter ?? ',';
  const maxRecordBytes = options.maxRecordBytes ?? 16 * 1024 * 1024;
  const splitter = new CsvRecordSplitter(delimiter, maxRecordBytes);
  const reader = new CsvRecordReader(delimiter, maxRecordBytes, options.columns);
  for await (const chunk of input) {
    const items = reader.read(splitter.push(chunk));
    if (items.length) yield items;
  }
  const items = reader.read(splitter.end());
  if (items.length) yield items;
}

/** Records (as csv-records.ts cuts them) → parsed items: cells by csv-parse, named by the header. */
class CsvRecordReader {
  private readonly parseOptions: CsvParseOptions;
  private readonly maxRecordBytes: number;
  private header: readonly string[] | undefined;

  constructor(delimiter: string, maxRecordBytes: number, columns: readonly string[] | undefined) {
    this.parseOptions = {
      delimiter,
      // Records arrive one per line of the text handed over (a quoted field may hold line ends of either kind).
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
    };
    this.maxRecordBytes = maxRecordBytes;
    this.header = columns;
  }

  read(records: readonly CsvRecordBytes[]): ParsedItem[] {
    const items: ParsedItem[] = [];
    // Well-formed records are read together (one csv-parse call per run of them); the others one by one.
    let run: { text: string; line: number }[] = [];
    const flush = (): void => {
      if (run.length) this.readWellFormed(run, items);
      run = [];
    };
    for (const record of records) {
      if (record.fault === 'too_large') {
        flush();
        items.push(tooLargeItem(record.bytes, this.maxRecordBytes, record.line));
      } else if (!isUtf8(record.bytes)) {
        flush();
        const raw = record.bytes.toString('utf8');
        items.push({
          kind: 'unparseable',
          rule: 'encoding',
          message: 'record is not valid UTF-8',
          raw,
          line: record.line,
        });
      } else if (record.fault === 'quoting') {
        flush();
        this.readAlone(record.bytes.toString('utf8'), record.line, items);
      } else {
        run.push({ text: record.bytes.toString('utf8'), line: record.line });
        if (run.length >= BATCH_ITEMS) flush();
      }
    }
    flush();
    return items;
  }

  private readWellFormed(run: readonly { text: string; line: number }[], items: ParsedItem[]): void {
    let rows: string[][] | undefined;
    try {
      rows = parse(run.map((r) => r.text).join('\n'), this.parseOptions);
    } catch {
      rows = undefined;
    }
    if (rows?.length !== run.length) {
      // Not the one row per record expected: read each alone, so that one cannot affect another.
      for (const { text, line } of run) this.readAlone(text, line, items);
      return;
    }
    for (let i = 0; i < run.length; i++)
      this.push(rows[i] as string[], run[i] as { text: string; line: number }, items);
  }

  /** A record csv-parse must judge alone: its error, or its row when it reads as one after all. */
  private readAlone(text: string, line: number, items: ParsedItem[]): void {
    let rows: string[][];
    try {
      rows = parse(text, this.parseOptions);
    } catch (error) {
      const message =
        error instanceof CsvError
          ? // csv-parse counts lines from the record's start: give the file's own line numbers.
            `${error.code}: ${error.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + line - 1}`)}`
          : 'unreadable CSV record';
      items.push({ kind: 'unparseable', rule: 'csv', message, raw: text, line });
      return;
    }
    if (rows.length === 1) this.push(rows[0] as string[], { text, line }, items);
    else items.push({ kind: 'unparseable', rule: 'csv', message: 'unreadable CSV record', raw: text, line });
  }

  private push(cells: string[], record: { text: string; line: number }, items: ParsedItem[]): void {
    const { text, line } = record;
    if (!this.header) {
      this.header = headerNames(cells);
      return;
    }
    items.push(csvRecordItem(this.header, cells, text, line));
  }
}

/** A header row's column names (trimmed); a name given twice is an error, as no record could be read by it. */
export function headerNames(record: readonly string[]): string[] {
  const names = record.map((name) => name.trim());
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new LakehouseError('PARSE', `CSV header names column "${duplicate}" twice`);
  return names;
}
