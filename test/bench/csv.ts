// The CSV side of `npm run bench`: the same events as the NDJSON file, from the same generator and seed, written
// as CSV so both formats carry the same records and the same corruptions. Streaming with backpressure, so the 5M
// file costs no more memory than the 20k one.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { eventRecords, type SampleOptions } from '../../src/sample/generate.ts';

/** The events contract's input columns, in the order the header names them (event_date is derived, not input). */
export const EVENT_COLUMNS = [
  'event_id',
  'user_id',
  'event_type',
  'event_ts',
  'amount',
  'country',
  'session_id',
  'properties',
] as const;

// csv-stringify is not a dependency (only csv-parse is), so quote by hand: RFC 4180 needs quotes only around
// cells holding a quote, the delimiter or a line break, with inner quotes doubled.
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''; // CSV has no null: an empty cell is the convention
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value); // `properties` travels as JSON text
}

/**
 * One NDJSON line of the generator as one CSV row. A line that is not a JSON object (the generator breaks some on
 * purpose) becomes a one-cell row: the wrong column count is the CSV analogue of broken JSON, and keeps the
 * quarantine path busy in the same proportion. Keys outside EVENT_COLUMNS are dropped; the generator emits none.
 */
export function csvRow(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    record = undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return csvCell(line);
  const fields = record as Record<string, unknown>;
  return EVENT_COLUMNS.map((column) => csvCell(cellText(fields[column]))).join(',');
}

/** Writes `count` generated events as CSV with a header row, with backpressure (any size, constant memory). */
export async function writeEventsCsv(path: string, count: number, options: SampleOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  let buffer = EVENT_COLUMNS.join(',') + '\n';
  for (const line of eventRecords(count, options)) {
    buffer += csvRow(line) + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.write(buffer);
  out.end();
  await once(out, 'finish');
}
