// Per-contract transformation rules as small pure functions, composed in the order the contract lists them.
// Normalising rules (trim, case) run before validation, so that " us " can satisfy ^[A-Z]{2}$ once upper-cased;
// derivations run after it, on normalised values; de-duplication runs per batch on the primary key.
// Case rules fold ASCII letters only: Unicode case mapping would turn `ß` into a valid country `SS` and the Kelvin
// sign (U+212A) into the `k` of `click`, making an invalid value valid. Other characters are validated as sent.
import type { Contract, Field, TransformSpec } from '../contracts/model.ts';
import { daysOfTimestamp, type Normalised } from './values.ts';

export type RecordObject = Record<string, unknown>;
/** A hook to enrich records (look-ups, geo, …) after normalising rules and before validation. */
export type EnrichHook = (record: RecordObject) => RecordObject;

type Step = (record: RecordObject) => void;

const ASCII_LOWER = /[a-z]+/g;
const ASCII_UPPER = /[A-Z]+/g;

export function compilePreValidation(contract: Contract, enrich?: EnrichHook): (record: RecordObject) => RecordObject {
  const steps: Step[] = contract.transforms.flatMap((t) => stepFor(contract, t));
  return (record) => {
    for (const step of steps) step(record);
    return enrich ? enrich(record) : record;
  };
}

function stepFor(contract: Contract, transform: TransformSpec): Step[] {
  switch (transform.op) {
    case 'trim': {
      const fields = transform.fields ?? stringFields(contract.inputFields);
      return [mapStrings(fields, (s) => s.trim())];
    }
    case 'uppercase':
      return [mapStrings(transform.fields, (s) => s.replace(ASCII_LOWER, (c) => c.toUpperCase()))];
    case 'lowercase':
      return [mapStrings(transform.fields, (s) => s.replace(ASCII_UPPER, (c) => c.toLowerCase()))];
    default:
      return []; // derive and dedupe act on validated rows
  }
}

function stringFields(fields: readonly Field[]): string[] {
  return fields.filter((f) => f.type.kind === 'string').map((f) => f.name);
}

function mapStrings(fields: readonly string[], fn: (s: string) => string): Step {
  return (record) => {
    for (const name of fields) {
      const value = record[name];
      if (typeof value === 'string') record[name] = fn(value);
    }
  };
}

/** Fills derived columns of a normalised row (aligned with `contract.fields`). */
export function compileDerivations(contract: Contract): (row: Normalised[]) => void {
  const index = new Map(contract.fields.map((f, i) => [f.name, i]));
  const steps = contract.fields.flatMap((field, target) => {
    const derive = field.derived;
    if (!derive) return [];
    const source = index.get(derive.from) as number;
    return [
      (row: Normalised[]) => {
        const micros = row[source];
        row[target] = typeof micros === 'bigint' ? daysOfTimestamp(micros) : null;
      },
    ];
  });
  return (row) => {
    for (const step of steps) step(row);
  };
}

/** The primary-key string of a normalised row: the de-duplication key. */
export function compilePrimaryKey(contract: Contract): (row: readonly Normalised[]) => string {
  const positions = contract.primaryKey.map((name) => contract.fields.findIndex((f) => f.name === name));
  return (row) =>
    positions
      .map((i) => JSON.stringify(row[i] ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
      .join('\u0001');
}

export function dedupeKeep(contract: Contract): 'first' | 'last' | undefined {
  const spec = contract.transforms.find((t) => t.op === 'dedupe');
  return spec?.op === 'dedupe' ? spec.keep : undefined;
}
