// Quarantine wording and record items both CSV engines share (the general parser and the fast scanner must write the same entries).
// No csv-parse here: the fast engine's worker threads load this module.
import type { ParsedItem } from './types.ts';

/** The message of a record with the wrong number of cells. */
export function columnCountMessage(expected: number, found: number): string {
  return `expected ${expected} columns, found ${found}`;
}

/** A record's item from its cells: a column-count error, or the cells by column name. */
export function csvRecordItem(
  header: readonly string[],
  cells: readonly string[],
  raw: string,
  line: number,
): ParsedItem {
  if (cells.length !== header.length)
    return { kind: 'unparseable', rule: 'csv', message: columnCountMessage(header.length, cells.length), raw, line };
  const value: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) setField(value, header[i] as string, cells[i] as string);
  return { kind: 'record', value, raw, line };
}

/**
 * `record[name] = value`, where a name `__proto__` becomes a key like any other (reported as unknown when the
 * contract lacks it) instead of setting the prototype. Plain objects otherwise: a prototype-less one is several
 * times slower to validate.
 */
export function setField<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__')
    Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}
