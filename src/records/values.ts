// Conversions between wire values (JSON/CSV text) and the normalised values that column builders, Parquet and
// Iceberg use. Normalised representation (the one contract every module shares):
//   string → string; int, double → number; long → bigint; decimal → bigint unscaled (scale from the type);
//   timestamp → bigint microseconds since the epoch, UTC; date → number of days since the epoch;
//   boolean → boolean; struct → plain object; list → array; absent or null → null.
//   Dates and timestamps are proleptic Gregorian, exact for every year the validator admits (0001–9999): no
//   `Date.UTC`, which reads years 0–99 as 1900–1999.
import type { Field, FieldType } from '../contracts/model.ts';
import { daysFromCivil, MICROS_PER_DAY, TIMESTAMP_PATTERN, timestampMatchMicros } from '../contracts/calendar.ts';
import { INTEGER_PATTERN } from '../contracts/vocabulary.ts';
import { compareExactDecimals, decodeJsonText, exactDecimal, type ExactDecimal } from '../formats/json-value.ts';

export type Normalised = string | number | bigint | boolean | null | NormalisedStruct | Normalised[];
export interface NormalisedStruct {
  [name: string]: Normalised;
}

export { daysFromCivil };

/** Microseconds since the epoch for a timestamp the validator accepted. */
export function parseTimestampMicros(text: string): bigint {
  const m = TIMESTAMP_PATTERN.exec(text);
  if (!m) throw new RangeError(`not a timestamp: ${text}`);
  return timestampMatchMicros(m);
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
  for (const pointer of texts.keys()) {
    const segments = pointerSegments(pointer);
    const field = fieldAt(fields, segments);
    if (field?.type.kind !== 'decimal') continue;
    let holder: unknown = record;
    for (let i = 0; i < segments.length - 1 && typeof holder === 'object' && holder !== null; i++)
      holder = (holder as Record<string, unknown>)[segments[i] as string];
    const last = segments[segments.length - 1] as string;
    if (typeof holder === 'object' && holder !== null && typeof (holder as Record<string, unknown>)[last] === 'number')
      (holder as Record<string, unknown>)[last] = texts.get(pointer);
  }
}

/** The segments of a JSON Pointer, unescaped. */
export function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * The contract field (or list element) that a JSON Pointer into a record names, following the contract's structs
 * and lists (no recursion); undefined when the pointer leaves the contract.
 */
export function fieldAt(fields: readonly Field[], segments: readonly string[]): Field | undefined {
  let members: readonly Field[] | undefined = fields;
  let field: Field | undefined;
  for (const segment of segments) {
    if (field?.type.kind === 'list') field = field.type.element;
    else field = members?.find((f) => f.name === segment);
    if (!field) return undefined;
    members = field.type.kind === 'struct' ? field.type.fields : undefined;
  }
  return field;
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

/** A CSV cell whose text cannot become the value its field expects, for a reason more specific than its type. */
export class CellProblem {
  /** The violated rule: `duplicate_key`, `too_deep`, `json`, `encoding` (a JSON cell), `range` (a number). */
  readonly rule: string;
  readonly message: string;
  /** JSON Pointer inside the cell's value ('' for the cell itself). */
  readonly path: string;

  constructor(rule: string, message: string, path: string) {
    this.rule = rule;
    this.message = message;
    this.path = path;
  }
}

// The smallest positive normal double: below it a double holds fewer significant digits, down to none (0).
const MIN_NORMAL_DOUBLE = 2 ** -1022;

/**
 * Whether a number text became a double that cannot stand for it: infinite (`1e400`), 0 when the text is not
 * (`1e-400`), or subnormal without giving the text back (`1.2345678901234567e-310`). A normal double that rounds
 * the text (`0.30000000000000001`) is a double's ordinary precision and stands.
 */
export function isOutOfDoubleRange(text: string, double: number): boolean {
  if (!Number.isFinite(double)) return true;
  if (double !== 0 && Math.abs(double) >= MIN_NORMAL_DOUBLE) return false;
  const exact = exactDecimal(text);
  if (!exact) return false;
  if (double === 0) return exact.digits !== ''; // `0e-400` is 0
  const stored = exactDecimal(String(double)) as ExactDecimal;
  return compareExactDecimals(exact, stored) !== 0;
}

/**
 * Turns CSV cell text into the JSON value the contract expects, so that one validator serves every format.
 * Text that does not parse is passed through unchanged: the validator then reports it with the actual value.
 * A cell that parses but cannot stand for its value (a JSON cell with a duplicate key, a number out of a double's
 * range) is a `CellProblem`, reported with its own rule.
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
      // Decimal number syntax only (JSON's, with a leading `+` and leading zeros tolerated): Number() would also
      // read 0x1, 0b1, 0o1, Infinity and surrounding blanks.
      if (exactDecimal(text) === undefined) return text;
      const n = Number(text);
      if (isOutOfDoubleRange(text, n)) return new CellProblem('range', `${text} is out of the range of a double`, '');
      return n;
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return text;
    }
    case 'struct':
    case 'list': {
      // Decoded exactly (depth limit, duplicate keys, lone surrogates), each failure reported with its own rule.
      const decoded = decodeJsonText(text);
      if (decoded.ok) return decoded.value;
      return new CellProblem(decoded.rule, decoded.message, decoded.path ?? '');
    }
    default:
      return text; // strings, decimals (kept exact as text), dates and timestamps
  }
}
