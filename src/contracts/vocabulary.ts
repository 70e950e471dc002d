// ajv set up for data contracts: JSON Schema 2020-12, standard formats, and the `x-lakehouse` vocabulary.
// `x-field-id` and `x-lakehouse` are annotations; `x-type` also validates what JSON Schema cannot say on its own:
// int32/int64 ranges, decimal precision and scale, timestamps with a zone and at most microsecond precision,
// instants in years 0001–9999 UTC and no leap second, and numeric bounds on decimals and longs that arrive as
// strings (JSON Schema bounds apply to numbers only), compared exactly on the text. Decimal and integer checks of a JSON number use its source text when its double is not exact
// (`exactNumberTexts`): `12.300000000000000001` is not 12.30.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import addFormatsModule from 'ajv-formats';
import { compareExactDecimals, exactDecimal, exactNumberTexts, type ExactDecimal } from '../formats/json-value.ts';
import { MAX_TIMESTAMP_MICROS, MIN_TIMESTAMP_MICROS, TIMESTAMP_PATTERN, timestampMatchMicros } from './calendar.ts';

export { TIMESTAMP_PATTERN };

// ajv-formats ships CommonJS with a default export; under NodeNext the namespace object may wrap it.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

export const DECIMAL_PATTERN = /^([+-])?(\d+)(?:\.(\d+))?$/;
export const INTEGER_PATTERN = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type KeywordError = Partial<ErrorObject>;

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-lakehouse', schemaType: 'object' });
  ajv.addKeyword({ keyword: 'x-field-id', schemaType: 'number' });
  ajv.addKeyword({
    keyword: 'x-type',
    schemaType: 'string',
    errors: true,
    validate: function validateXType(
      xType: string,
      data: unknown,
      parentSchema?: Record<string, unknown>,
      context?: DataValidationCxt,
    ): boolean {
      const root = context?.rootData as unknown;
      const exactText =
        typeof data === 'number' && typeof root === 'object' && root !== null
          ? exactNumberTexts(root)?.get(context?.instancePath ?? '')
          : undefined;
      const problem = checkXType(xType, data, parentSchema ?? {}, exactText);
      (validateXType as { errors?: KeywordError[] }).errors = problem
        ? [
            {
              keyword: 'x-type',
              message: problem.message,
              params: { xType, expected: problem.expected, ...(exactText === undefined ? {} : { exactText }) },
            },
          ]
        : [];
      return problem === undefined;
    },
  });
  return ajv;
}

interface Problem {
  message: string;
  expected: string;
}

/**
 * Checks one value against its logical type; `undefined` when fine. Nulls are JSON Schema's business.
 * `exactText`: the source text of a JSON number whose double is not its exact value (see json-value.ts).
 */
export function checkXType(
  xType: string,
  data: unknown,
  schema: Record<string, unknown>,
  exactText?: string,
): Problem | undefined {
  if (data === null || data === undefined) return undefined;
  if (xType === 'timestamp' || xType === 'date') {
    if (typeof data !== 'string') return undefined; // `type` reports it
    // Year 0000 (1 BC) is the one year RFC 3339 admits that Python's datetime (pyarrow) and java.time-based
    // readers disagree on; every other year is stored exactly (values.ts), 0001–0099 included.
    if (data.startsWith('0000-')) return { message: 'year 0000 is outside 0001–9999', expected: 'a year 0001–9999' };
    if (xType === 'date') return undefined; // the `date` format checks the rest
    const m = TIMESTAMP_PATTERN.exec(data);
    if (!m) return { message: 'must be an ISO 8601 timestamp with Z or an offset', expected: 'timestamp with zone' };
    if ((m[7]?.length ?? 0) > 6) {
      return { message: 'must have at most microsecond precision', expected: 'at most 6 fractional digits' };
    }
    // The `date-time` format admits a leap second (23:59:60 UTC), but microseconds since the epoch (Iceberg,
    // Parquet) have no 61st second: storing it would move the record to the next second, even the next day.
    if (m[6] === '60') {
      return { message: 'is a leap second (:60), which a timestamp cannot hold', expected: 'seconds 00–59' };
    }
    // The year bound holds for the instant, not the text: an offset can move 0001-01-01 into year 0000.
    const micros = timestampMatchMicros(m);
    if (micros < MIN_TIMESTAMP_MICROS || micros > MAX_TIMESTAMP_MICROS) {
      return { message: 'is outside years 0001–9999 in UTC', expected: 'an instant in years 0001–9999 UTC' };
    }
    return undefined;
  }
  if (xType === 'int' || xType === 'long') {
    let value: bigint;
    if (typeof data === 'number') {
      if (!Number.isInteger(data)) return undefined; // `type: integer` reports it
      if (!Number.isSafeInteger(data)) {
        return {
          message: 'is beyond 2^53 and lost precision as a JSON number: send it as a string',
          expected: 'exact integer',
        };
      }
      if (exactText !== undefined) {
        return { message: `${exactText} is not an exact integer (a double would round it)`, expected: 'exact integer' };
      }
      value = BigInt(data);
    } else if (typeof data === 'string') {
      if (!INTEGER_PATTERN.test(data)) return { message: 'must be an integer', expected: 'integer' };
      value = BigInt(data);
    } else {
      return undefined;
    }
    const [min, max] = xType === 'int' ? [-(2n ** 31n), 2n ** 31n - 1n] : [INT64_MIN, INT64_MAX];
    if (value < min || value > max) return { message: `is out of the ${xType} range`, expected: `${min}..${max}` };
    if (typeof data === 'string') return checkStringBounds(data, schema);
    return undefined;
  }
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(xType);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (typeof data !== 'number' && typeof data !== 'string') return undefined;
    const expected = `decimal(${precision},${scale})`;
    let integerDigits: number;
    let fractionDigits: number;
    if (typeof data === 'number') {
      // A number's exact value counts (1.50 is 1.5), from its source text when the double is not exact.
      const exact = exactDecimal(exactText ?? String(data));
      if (!exact) return { message: 'must be a finite decimal number', expected };
      integerDigits = Math.max(0, exact.digits.length + exact.exponent);
      fractionDigits = Math.max(0, -exact.exponent);
    } else {
      // A string's digits count as written: "1.500" has three decimal places.
      const m = DECIMAL_PATTERN.exec(data);
      if (!m) return { message: `must be a decimal number like 12.34`, expected };
      const integer = (m[2] ?? '').replace(/^0+(?=\d)/, '');
      integerDigits = integer === '0' ? 0 : integer.length;
      fractionDigits = (m[3] ?? '').length;
    }
    if (fractionDigits > scale) return { message: `has more than ${scale} decimal places`, expected };
    if (integerDigits > precision - scale) {
      return { message: `has more than ${precision - scale} integer digits`, expected };
    }
    if (typeof data === 'string') return checkStringBounds(data, schema);
    return undefined;
  }
  return undefined;
}

/** Bounds of a number sent as a string, compared on its exact digits (`"1.0000000000000000001"` is above 1). */
function checkStringBounds(text: string, schema: Record<string, unknown>): Problem | undefined {
  const exact = exactDecimal(text);
  return exact ? exactBoundProblem(exact, schema) : undefined;
}

export const BOUND_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const;
export type BoundKeyword = (typeof BOUND_KEYWORDS)[number];

/** The first JSON Schema bound of `schema` that the exact value `value` breaks, or undefined. */
export function exactBoundProblem(
  value: ExactDecimal,
  schema: Readonly<Partial<Record<BoundKeyword, unknown>>>,
): (Problem & { keyword: BoundKeyword; limit: number }) | undefined {
  for (const keyword of BOUND_KEYWORDS) {
    const limit = schema[keyword];
    if (typeof limit !== 'number') continue;
    const bound = exactDecimal(String(limit));
    if (!bound) continue;
    const order = compareExactDecimals(value, bound);
    const [ok, operator] =
      keyword === 'minimum'
        ? [order >= 0, '>=']
        : keyword === 'maximum'
          ? [order <= 0, '<=']
          : keyword === 'exclusiveMinimum'
            ? [order > 0, '>']
            : [order < 0, '<'];
    if (!ok) return { message: `must be ${operator} ${limit}`, expected: `${operator} ${limit}`, keyword, limit };
  }
  return undefined;
}

let shared: Ajv2020 | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** The compiled validator of a contract document (compiled once per document object). */
export function schemaValidatorFor(document: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(document);
  if (!validate) {
    shared ??= createAjv();
    // $id lets ajv cache by id; remove a stale one so a changed document under the same id recompiles.
    const id = document.$id;
    if (typeof id === 'string' && shared.getSchema(id)) shared.removeSchema(id);
    validate = shared.compile(document);
    compiled.set(document, validate);
  }
  return validate;
}
