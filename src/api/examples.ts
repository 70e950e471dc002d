// Example records for the OpenAPI document, from the sample generator (no invalid ones, a fixed world), so every
// documented request of a built-in dataset is one the API accepts; tests post them and check the answers.
import { stringify } from 'csv-stringify/sync';
import { eventRecords, orderRecords, userRecords, type SampleOptions } from '../sample/generate.ts';

const GENERATORS: Readonly<Record<string, (count: number, options: SampleOptions) => Iterable<string>>> = {
  events: eventRecords,
  users: userRecords,
  orders: orderRecords,
};

/** Two valid records of a dataset as JSON values, or none for a contract the sample generator does not know. */
export function exampleRecords(dataset: string): Record<string, unknown>[] {
  const generate = GENERATORS[dataset];
  if (!generate) return [];
  return [...generate(2, { invalidRate: 0, users: 2 })].map((text) => JSON.parse(text) as Record<string, unknown>);
}

/** The records as a CSV body: the header row of their fields, nested values as their JSON text. */
export function csvExample(records: readonly Record<string, unknown>[]): string {
  const fields = Object.keys(records[0] ?? {});
  // Strings as they are; numbers, booleans and nested values as their JSON text.
  const cell = (value: unknown): string | null =>
    value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
  return stringify(
    records.map((record) => fields.map((field) => cell(record[field]))),
    { header: true, columns: fields },
  );
}
