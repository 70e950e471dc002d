// The CSV options `convert` and `ingest` share: the delimiter, and the column names of a file without a header.
import { LakehouseError } from '../errors.ts';

export const CSV_OPTION_HELP = {
  delimiter: "CSV delimiter (default: detected among , ; tab | from the contract's columns; tab first for .tsv)",
  noHeader: 'the CSV file has no header row (give its column names with --columns)',
  columns: 'column names of a CSV file without a header row, in order (with --no-header)',
} as const;

export const CSV_HELP_TEXT = `
CSV: the first row must be a header naming the contract's columns; a file whose first row names none of them is
refused (one line, exit 1) unless --no-header --columns a,b,c says what its columns are. The delimiter is
detected (, ; tab or |) unless --delimiter gives it; a UTF-8 byte order mark is skipped.`;

/** `--columns a,b,c` as a list of names. */
export function columnList(value: string): string[] {
  return value.split(',').map((name) => name.trim());
}

/** The library's `columns` option from `--no-header` (commander's `header: false`) and `--columns`. */
export function csvColumnsOption(opts: { readonly header?: boolean; readonly columns?: readonly string[] }): {
  columns?: readonly string[];
} {
  const noHeader = opts.header === false;
  if (noHeader && !opts.columns)
    throw new LakehouseError(
      'CONFIG',
      "--no-header needs --columns <a,b,c>: the names of the file's columns, in order",
    );
  if (!noHeader && opts.columns)
    throw new LakehouseError(
      'CONFIG',
      '--columns names the columns of a CSV file without a header row: add --no-header',
    );
  return opts.columns ? { columns: opts.columns } : {};
}
