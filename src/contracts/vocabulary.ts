// ajv set up for data contracts: JSON Schema 2020-12, standard formats, and the `x-lakehouse` vocabulary.
// `x-field-id` and `x-lakehouse` are annotations; `x-type` also validates what JSON Schema cannot say on its own:
// int32/int64 ranges, decimal precision and scale, timestamps with a zone and at most microsecond precision,
// and numeric bounds on decimals and longs that arrive as strings (JSON Schema bounds apply to numbers only).
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

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
    validate: function validateXType(xType: string, data: unknown, parentSchema?: Record<string, unknown>): boolean {
      const problem = checkXType(xType, data, parentSchema ?? {});
      (validateXType as { errors?: KeywordError[] }).errors = problem
        ? [{ keyword: 'x-type', message: problem.message, params: { xType, expected: problem.expected } }]
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

/** Checks one value against its logical type; `undefined` when fine. Nulls are JSON Schema's business. */
export function checkXType(xType: string, data: unknown, schema: Record<string, unknown>): Problem | undefined {
  if (data === null || data === undefined) return undefined;
  if (xType === 'timestamp') {
    if (typeof data !== 'string') return undefined; // `type` reports it
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
    const text = typeof data === 'number' ? String(data) : data;
    const m = DECIMAL_PATTERN.exec(text);
    const expected = `decimal(${precision},${scale})`;
    if (!m) return { message: `must be a decimal number like 12.34`, expected };
    const integerDigits = (m[2] ?? '').replace(/^0+(?=\d)/, '');
    const fraction = m[3] ?? '';
    if (fraction.length > scale) return { message: `has more than ${scale} decimal places`, expected };
    if ((integerDigits === '0' ? 0 : integerDigits.length) > precision - scale) {
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
