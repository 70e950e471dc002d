// Conversions between wire values (JSON/CSV text) and the normalised values that column builders, Parquet and
// Iceberg use. Normalised representation (the one contract every module shares):
//   string → string; int, double → number; long → bigint; decimal → bigint unscaled (scale from the type);
//   timestamp → bigint microseconds since the epoch, UTC; date → number of days since the epoch;
//   boolean → boolean; struct → plain object; list → array; absent or null → null.
import type { Field, FieldType } from '../contracts/model.ts';
import { DECIMAL_PATTERN, INTEGER_PATTERN, TIMESTAMP_PATTERN } from '../contracts/vocabulary.ts';

export type Normalised = string | number | bigint | boolean | null | NormalisedStruct | Normalised[];
export interface NormalisedStruct {
  [name: string]: Normalised;
}

const MICROS_PER_DAY = 86_400_000_000n;

/** Microseconds since the epoch for a timestamp the validator accepted. */
export function parseTimestampMicros(text: string): bigint {
  const m = TIMESTAMP_PATTERN.exec(text);
  if (!m) throw new RangeError(`not a timestamp: ${text}`);
  const millis = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  let offsetMinutes = 0;
  if (m[9]) offsetMinutes = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  return BigInt(millis - offsetMinutes * 60_000) * 1000n + BigInt(fraction);
}

export function parseDateDays(text: string): number {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/** The unscaled integer of a decimal literal at `scale` (validated beforehand: no excess fraction digits). */
export function parseDecimalUnscaled(value: number | string, scale: number): bigint {
  const text = typeof value === 'number' ? String(value) : value;
  const m = DECIMAL_PATTERN.exec(text);
  if (!m) throw new RangeError(`not a decimal: ${text}`);
  const unscaled = BigInt((m[2] ?? '0') + (m[3] ?? '').padEnd(scale, '0'));
  return m[1] === '-' ? -unscaled : unscaled;
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

/** Normalises a value that passed validation. */
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
    case 'list':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    default:
      return text; // strings, decimals (kept exact as text), dates and timestamps
  }
}
