// ajv set up for data contracts: JSON Schema 2020-12, standard formats, and the `x-lakehouse` vocabulary.
// `x-field-id` and `x-lakehouse` are annotations; `x-type` also validates what JSON Schema cannot say on its own:
// int32/int64 ranges, decimal precision and scale, timestamps with a zone and at most microsecond precision,
// years 0001–9999, and numeric bounds on decimals and longs that arrive as strings (JSON Schema bounds apply to
// numbers only). Decimal and integer checks of a JSON number use its source text when its double is not exact
// (`exactNumberTexts`): `12.300000000000000001` is not 12.30.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import addFormatsModule from 'ajv-formats';
import { exactDecimal, exactNumberTexts } from '../formats/json-value.ts';

// ajv-formats ships CommonJS with a default export; under NodeNext the namespace object may wrap it.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

export const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
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
    if (typeof data === 'string') return checkStringBounds(Number(data), schema);
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
    if (typeof data === 'string') return checkStringBounds(Number(data), schema);
    return undefined;
  }
  return undefined;
}

function checkStringBounds(value: number, schema: Record<string, unknown>): Problem | undefined {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  if (typeof minimum === 'number' && value < minimum)
    return { message: `must be >= ${minimum}`, expected: `>= ${minimum}` };
  if (typeof maximum === 'number' && value > maximum)
    return { message: `must be <= ${maximum}`, expected: `<= ${maximum}` };
  if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum) {
    return { message: `must be > ${exclusiveMinimum}`, expected: `> ${exclusiveMinimum}` };
  }
  if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum) {
    return { message: `must be < ${exclusiveMaximum}`, expected: `< ${exclusiveMaximum}` };
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
