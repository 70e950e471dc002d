// Conversions between wire values (JSON/CSV text) and the normalised values that column builders, Parquet and
// Iceberg use. Normalised representation (the one contract every module shares):
//   string → string; int, double → number; long → bigint; decimal → bigint unscaled (scale from the type);
//   timestamp → bigint microseconds since the epoch, UTC; date → number of days since the epoch;
//   boolean → boolean; struct → plain object; list → array; absent or null → null.
//   Dates and timestamps are proleptic Gregorian, exact for every year the validator admits (0001–9999): no
//   `Date.UTC`, which reads years 0–99 as 1900–1999.
import type { Field, FieldType } from '../contracts/model.ts';
import { INTEGER_PATTERN, TIMESTAMP_PATTERN } from '../contracts/vocabulary.ts';
import { decodeJsonText, exactDecimal } from '../formats/json-value.ts';

export type Normalised = string | number | bigint | boolean | null | NormalisedStruct | Normalised[];
export interface NormalisedStruct {
  [name: string]: Normalised;
}

const MICROS_PER_DAY = 86_400_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), any year. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Microseconds since the epoch for a timestamp the validator accepted. */
export function parseTimestampMicros(text: string): bigint {
  const m = TIMESTAMP_PATTERN.exec(text);
  if (!m) throw new RangeError(`not a timestamp: ${text}`);
  const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  let seconds = (Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6]);
  if (m[9]) seconds -= (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) * 60;
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(days) * MICROS_PER_DAY + BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

export function parseDateDays(text: string): number {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  return daysFromCivil(y, m, d);
}

/**
 * The unscaled integer of a decimal at `scale` (validated beforehand: no excess fraction digits): a JSON number,
 * or text — a decimal string, or a JSON number's exact source text (exponents allowed).
 */
export function parseDecimalUnscaled(value: number | string, scale: number): bigint {
  const text = typeof value === 'number' ? String(value) : value;
  const exact = exactDecimal(text);
  const zeros = exact ? exact.exponent + scale : -1;
  if (!exact || zeros < 0) throw new RangeError(`not a decimal of scale ${scale}: ${text}`);
  if (exact.digits === '') return 0n;
  const unscaled = BigInt(exact.digits + '0'.repeat(zeros));
  return exact.negative ? -unscaled : unscaled;
}

/**
 * Puts the exact source text (see json-value.ts `exactNumberTexts`) in place of the rounded double wherever the
 * contract declares a decimal, so that normalisation keeps every digit the validator accepted. `texts` is keyed
 * by JSON Pointer into `record`; the walk follows the pointer and the contract's fields (no recursion).
 */
export function useExactDecimals(
  fields: readonly Field[],
  record: Record<string, unknown>,
  texts: ReadonlyMap<string, string>,
): void {
  for (const [pointer, text] of texts) {
    const segments = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let members: readonly Field[] | undefined = fields;
    let type: FieldType | undefined;
    let container: unknown = record;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      if (type?.kind === 'list') type = type.element.type;
      else type = members?.find((f) => f.name === segment)?.type;
      if (!type || typeof container !== 'object' || container === null) break;
      members = type.kind === 'struct' ? type.fields : undefined;
      if (i === segments.length - 1) {
        const holder = container as Record<string, unknown>;
        if (type.kind === 'decimal' && typeof holder[segment] === 'number') holder[segment] = text;
      } else container = (container as Record<string, unknown>)[segment];
    }
  }
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

export function formatTimestampMicros(micros: bigint): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = micros - millis * 1000n;
  const iso = new Date(Number(millis)).toISOString(); // 2024-01-01T00:00:00.123Z
  return `${iso.slice(0, 23)}${rest.toString().padStart(3, '0')}Z`;
}

export function daysOfTimestamp(micros: bigint): number {
  const days = micros / MICROS_PER_DAY;
  return Number(micros < 0n && micros % MICROS_PER_DAY !== 0n ? days - 1n : days);
}

/**
 * Normalises a value that passed validation. The recursion follows the contract's type (structs, lists), so its
 * depth is the contract's, never the input's.
 */
export function normalise(type: FieldType, value: unknown): Normalised {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'string':
    case 'boolean':
    case 'double':
      return value as string | boolean | number;
    case 'int':
      return typeof value === 'string' ? Number(value) : (value as number);
    case 'long':
      return BigInt(value as number | string);
    case 'decimal':
      return parseDecimalUnscaled(value as number | string, type.scale);
    case 'timestamp':
      return parseTimestampMicros(value as string);
    case 'date':
      return parseDateDays(value as string);
    case 'struct': {
      const source = value as Record<string, unknown>;
      const out: NormalisedStruct = {};
      for (const member of type.fields) out[member.name] = normalise(member.type, source[member.name]);
      return out;
    }
    case 'list':
      return (value as unknown[]).map((element) => normalise(type.element.type, element));
  }
}

/**
 * Turns CSV cell text into the JSON value the contract expects, so that one validator serves every format.
 * Text that does not parse is passed through unchanged: the validator then reports it with the actual value.
 */
export function coerceText(field: Field, text: string): unknown {
  if (text === '') return field.nullable || !field.required ? null : '';
  const type = field.type;
  switch (type.kind) {
    case 'int':
    case 'long':
      if (INTEGER_PATTERN.test(text)) {
        const n = Number(text);
        return Number.isSafeInteger(n) ? n : text;
      }
      return text;
    case 'double': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : text;
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return text;
    }
    case 'struct':
    case 'list': {
      // Decoded exactly (depth limit, duplicate keys); text that does not decode stays text for the validator.
      const decoded = decodeJsonText(text);
      return decoded.ok ? decoded.value : text;
    }
    default:
      return text; // strings, decimals (kept exact as text), dates and timestamps
  }
}
