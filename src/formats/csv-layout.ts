// A CSV file's layout, worked out before it is parsed: its delimiter and whether its first row is a header. Both
// are judged against the contract's columns: a header names some of them, and the right delimiter splits the rows
// into as many cells as the header (or the columns given) has. Guessing wrong would turn every line into a broken
// record, or read the first record as a header, so what cannot be told is one clear error instead.
import { parse } from 'csv-parse/sync';
import { LakehouseError } from '../errors.ts';
import { headerNames } from './csv.ts';
import { delimiterFor, detectFormat, readHead } from './detect.ts';

/** The delimiters detection chooses among, in order of preference when they split a file equally well. */
export const CANDIDATE_DELIMITERS: readonly string[] = [',', ';', '\t', '|'];

export interface CsvLayoutOptions {
  /** The delimiter (`tab` or `\t` for a tab); undefined: detect it. */
  readonly delimiter?: string;
  /** The file has no header row: these name its columns, in order. */
  readonly columns?: readonly string[];
}

export interface CsvLayout {
  readonly delimiter: string;
  /** Column names in file order: the header row's, or the ones given for a file without one. */
  readonly columns: readonly string[];
  /** Whether the first row is a header (false: records start on line 1). */
  readonly header: boolean;
  /**
   * Bytes before the first record on line `header ? 2 : 1` — a UTF-8 BOM and a header that is one physical line —
   * for a reader that starts there; undefined when the header spans lines or does not fit the sampled head.
   */
  readonly bodyOffset?: number;
}

const HEAD_BYTES = 1024 * 1024;
const SAMPLE_RECORDS = 200;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The layout of a CSV input file, or undefined when the file is not CSV (or its format is unknown). */
export async function csvLayoutOfFile(
  path: string,
  expected: readonly string[],
  options: CsvLayoutOptions & { readonly format?: string },
): Promise<CsvLayout | undefined> {
  let format;
  try {
    format = await detectFormat(path, options.format);
  } catch {
    return undefined; // the parser reports a missing file or an unknown format in its own words
  }
  if (format !== 'csv') return undefined;
  const head = await readHead(path, HEAD_BYTES, 'reading input');
  return csvLayoutOf(head, expected, { ...options, path, complete: head.length < HEAD_BYTES });
}

/** Parser options for a layout: the delimiter, and the column names when the file has no header row. */
export function csvParseOptions(layout: CsvLayout): { delimiter: string; columns?: readonly string[] } {
  return layout.header ? { delimiter: layout.delimiter } : { delimiter: layout.delimiter, columns: layout.columns };
}

interface Sample {
  readonly delimiter: string;
  readonly rows: readonly string[][];
  /** The line the first record ends on (1: a one-line first row). */
  readonly firstEndsOnLine: number;
  /** Cells of the first row that name a contract column. */
  readonly hits: number;
  /** Share of the rows with the expected number of cells. */
  readonly consistency: number;
  /** The delimiter occurs in the first line at all. */
  readonly occurs: boolean;
}

export function csvLayoutOf(
  head: Buffer,
  expected: readonly string[],
  options: CsvLayoutOptions & { readonly path: string; readonly complete: boolean },
): CsvLayout {
  const { path } = options;
  const given = options.columns;
  if (given) {
    if (given.length === 0 || given.some((name) => name.trim() === ''))
      throw new LakehouseError('CONFIG', '--columns needs at least one name, and no empty names');
    headerNamesOrConfigError(given);
  }
  const explicit = options.delimiter === undefined ? undefined : checkedDelimiter(options.delimiter, path);
  const bom = head.subarray(0, 3).equals(BOM) ? 3 : 0;
  // Whole lines only, unless the head is the whole file: a record cut off would count as a broken one.
  let end = head.length;
  if (!options.complete) end = head.lastIndexOf(0x0a) + 1;
  const text = head.toString('utf8', bom, end);
  const firstNewline = head.indexOf(0x0a, bom);
  const firstLine = head.toString('utf8', bom, firstNewline === -1 ? head.length : firstNewline);
  const order = explicit ? [explicit] : candidatesFor(path);
  const samples = order.map((delimiter) => sample(text, firstLine, delimiter, expected, given));
  if (samples.every((s) => s.rows.length === 0))
    // Nothing to judge (an empty file): the parser finds no records either way.
    return { delimiter: explicit ?? (order[0] as string), columns: given ?? [], header: !given };
  const chosen = given ? chooseByColumnCount(samples, given.length, path) : chooseByHeader(samples, expected, path);
  const header = !given;
  const columns = headerNames(given ?? (chosen.rows[0] as string[]));
  let bodyOffset: number | undefined;
  if (!header) bodyOffset = bom;
  else if (chosen.firstEndsOnLine === 1)
    bodyOffset = firstNewline === -1 ? (options.complete ? head.length : undefined) : firstNewline + 1;
  return { delimiter: chosen.delimiter, columns, header, ...(bodyOffset === undefined ? {} : { bodyOffset }) };
}

function sample(
  text: string,
  firstLine: string,
  delimiter: string,
  expected: readonly string[],
  given: readonly string[] | undefined,
): Sample {
  let entries: { record: string[]; info: { lines: number } }[];
  try {
    entries = parse(text, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      to: SAMPLE_RECORDS,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch {
    entries = []; // nothing csv-parse could read with this delimiter
  }
  const rows = entries.map((e) => e.record);
  const known = new Set(expected);
  const first = rows[0] ?? [];
  const hits = given ? 0 : new Set(first.map((cell) => cell.trim()).filter((cell) => known.has(cell))).size;
  const width = given ? given.length : first.length;
  const judged = given ? rows : rows.slice(1);
  // No rows to judge: a header alone is no evidence against it; without a header, nothing read is no fit.
  const consistency = judged.length
    ? judged.filter((row) => row.length === width).length / judged.length
    : given
      ? 0
      : 1;
  return {
    delimiter,
    rows,
    firstEndsOnLine: entries[0]?.info.lines ?? 0,
    hits,
    consistency,
    occurs: firstLine.includes(delimiter),
  };
}

/** With a header: the delimiter whose first row names most contract columns, then splits the rows most evenly. */
function chooseByHeader(samples: readonly Sample[], expected: readonly string[], path: string): Sample {
  const named = samples.filter((s) => s.hits > 0);
  if (named.length === 0) {
    const shown = expected.length > 4 ? `${expected.slice(0, 4).join(', ')}, …` : expected.join(', ');
    const tried =
      samples.length === 1
        ? `with delimiter ${describe((samples[0] as Sample).delimiter)}`
        : `with any delimiter of ${samples.map((s) => describe(s.delimiter)).join(' ')}`;
    throw new LakehouseError(
      'PARSE',
      `CSV ${path} has no header row: its first row names none of the contract's columns (${shown}) ${tried}; ` +
        `for a file without a header give --no-header --columns <name,name,…>` +
        (samples.length === 1 ? ', or the right --delimiter' : ''),
      { path },
    );
  }
  return best(named, (s) => [s.hits, s.consistency], path);
}

/** Without a header: the delimiter that splits most rows into the columns given. */
function chooseByColumnCount(samples: readonly Sample[], width: number, path: string): Sample {
  if (samples.length === 1) return samples[0] as Sample; // given: the user knows their file
  const fitting = samples.filter((s) => s.consistency >= 0.5);
  if (fitting.length === 0)
    throw new LakehouseError(
      'PARSE',
      `cannot detect the delimiter of CSV ${path}: none of ${samples.map((s) => describe(s.delimiter)).join(' ')} ` +
        `splits most rows into the ${width} columns of --columns; give --delimiter`,
      { path },
    );
  return best(fitting, (s) => [s.consistency], path);
}

/**
 * The sample scoring highest; among equals, the one delimiter that occurs in the first line (none occurring: a
 * one-column file, the first in order). Two that occur and score the same cannot be told apart.
 */
function best(samples: readonly Sample[], score: (s: Sample) => number[], path: string): Sample {
  const compare = (a: Sample, b: Sample): number => {
    const x = score(a);
    const y = score(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (y[i] as number) - (x[i] as number);
    return 0;
  };
  const sorted = [...samples].sort(compare);
  const top = sorted.filter((s) => compare(s, sorted[0] as Sample) === 0);
  if (top.length === 1) return top[0] as Sample;
  const occurring = top.filter((s) => s.occurs);
  if (occurring.length === 1) return occurring[0] as Sample;
  if (occurring.length === 0) return top[0] as Sample;
  throw new LakehouseError(
    'PARSE',
    `cannot tell the delimiter of CSV ${path}: ${occurring.map((s) => describe(s.delimiter)).join(' and ')} ` +
      `split it equally well; give --delimiter`,
    { path },
  );
}

/** The candidates in order of preference: a `.tsv` file prefers tabs. */
function candidatesFor(path: string): string[] {
  const preferred = delimiterFor(path);
  return [preferred, ...CANDIDATE_DELIMITERS.filter((d) => d !== preferred)];
}

function checkedDelimiter(value: string, path: string): string {
  const delimiter = value === '' ? '' : delimiterFor(path, value);
  if (delimiter === '' || /["\r\n]/.test(delimiter))
    throw new LakehouseError('CONFIG', `--delimiter cannot be empty, a quote or a line break, got "${value}"`);
  return delimiter;
}

function headerNamesOrConfigError(names: readonly string[]): void {
  try {
    headerNames(names);
  } catch (error) {
    throw new LakehouseError('CONFIG', `--columns: ${(error as Error).message.replace('CSV header names', 'names')}`);
  }
}

function describe(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}
