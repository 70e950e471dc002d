// Quarantine wording and record items both CSV engines share (the general parser and the fast scanner must write the same entries).
// No csv-parse here: the fast engine's worker threads load this module.
import type { ParsedItem } from './types.ts';

/** The message of a record with the wrong number of cells. */
export function columnCountMessage(expected: number, found: number): string {
  return `expected ${expected} columns, found ${found}`;
}

/**
 * A record's item from its cells: a column-count error, or the cells by column name. The object has no prototype,
 * so that a column named `__proto__` is a key like any other (and reported as unknown when the contract lacks it).
 */
export function csvRecordItem(
  header: readonly string[],
  cells: readonly string[],
  raw: string,
  line: number,
): ParsedItem {
  if (cells.length !== header.length)
    return { kind: 'unparseable', rule: 'csv', message: columnCountMessage(header.length, cells.length), raw, line };
  const value = Object.create(null) as Record<string, string>;
  for (let i = 0; i < header.length; i++) value[header[i] as string] = cells[i] as string;
  return { kind: 'record', value, raw, line };
}
