// Generated events as CSV rows in any delimiter, for the CSV layout tests (unit and integration).
import { eventRecords } from '../../../src/sample/generate.ts';
import { EVENT_COLUMNS } from '../../bench/csv.ts';

export { EVENT_COLUMNS };

/** One value as a CSV cell: null is empty, objects are JSON text, quoted where the delimiter or a quote occurs. */
export function csvCell(value: unknown, delimiter: string): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = JSON.stringify(value);
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The cells of each generated event that is a JSON object (the generator's broken values stay in the cells). */
export function eventCells(
  count: number,
  seed: number,
  delimiter: string,
  columns: readonly string[] = EVENT_COLUMNS,
): string[][] {
  return [...eventRecords(count, { seed, invalidRate: 0.05 })].flatMap((line) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return [];
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return [];
    return [columns.map((c) => csvCell((record as Record<string, unknown>)[c], delimiter))];
  });
}
