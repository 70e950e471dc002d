// Validation against a contract: every violation of a record, each with its field path, rule, expectation and
// the actual value — not just the first one. The checks are ajv's, compiled from the contract document.
import type { ErrorObject } from 'ajv';
import type { Contract, Field } from '../contracts/model.ts';
import { exactBoundProblem, schemaValidatorFor } from '../contracts/vocabulary.ts';
import { exactDecimal, exactNumberTexts } from '../formats/json-value.ts';
import { fieldAt, isOutOfDoubleRange, pointerSegments } from './values.ts';

export interface Violation {
  /** JSON Pointer to the offending value, e.g. `/properties/ab` or `/line_items/0/sku`. */
  readonly path: string;
  /** The rule broken: required, type, enum, pattern, minimum, maximum, maxLength, format, decimal, … */
  readonly rule: string;
  readonly expected: string;
  readonly actual: unknown;
}

export type RecordValidator = (record: unknown) => Violation[];

export function compileValidator(contract: Contract): RecordValidator {
  const validate = schemaValidatorFor(contract.document);
  return (record) => {
    const violations = validate(record) ? [] : (validate.errors ?? []).map(toViolation);
    const texts = typeof record === 'object' && record !== null ? exactNumberTexts(record) : undefined;
    return texts ? [...violations, ...exactNumberViolations(contract.inputFields, texts, violations)] : violations;
  };
}

/**
 * What ajv cannot see of a JSON number it only knows as a double (`exactNumberTexts`, rare): a non-zero number a
 * double turns into 0 or a subnormal (`1e-400`), and a bound the exact value breaks but its double does not
 * (`1.0000000000000000001` is above `maximum: 1`). Values with a violation already are left to it.
 */
function exactNumberViolations(
  fields: readonly Field[],
  texts: ReadonlyMap<string, string>,
  reported: readonly Violation[],
): Violation[] {
  const found: Violation[] = [];
  for (const [path, text] of texts) {
    if (reported.some((v) => v.path === path)) continue;
    if (isOutOfDoubleRange(text, Number(text))) {
      found.push({
        path,
        rule: 'range',
        expected: 'a number a double holds (0, or 2^-1022 to 2^1024 in magnitude)',
        actual: text,
      });
      continue;
    }
    const exact = exactDecimal(text);
    const rules = fieldAt(fields, pointerSegments(path))?.rules;
    const bound = exact && rules ? exactBoundProblem(exact, rules) : undefined;
    if (bound) found.push({ path, rule: bound.keyword, expected: bound.expected, actual: text });
  }
  return found;
}

const MISSING = '(missing)';

function toViolation(error: ErrorObject): Violation {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath === '' ? '' : error.instancePath;
  switch (error.keyword) {
    case 'required':
      return {
        path: `${at}/${String(params.missingProperty)}`,
        rule: 'required',
        expected: 'present',
        actual: MISSING,
      };
    case 'additionalProperties':
      return {
        path: `${at}/${String(params.additionalProperty)}`,
        rule: 'unknown_field',
        expected: 'a field declared in the contract',
        actual: (error.data as Record<string, unknown>)[String(params.additionalProperty)],
      };
    case 'type':
      return { path: at || '/', rule: 'type', expected: String(params.type), actual: error.data };
    case 'enum':
      return {
        path: at,
        rule: 'enum',
        expected: `one of ${(params.allowedValues as unknown[]).join(', ')}`,
        actual: error.data,
      };
    case 'pattern':
      return { path: at, rule: 'pattern', expected: `matches ${String(params.pattern)}`, actual: error.data };
    case 'format':
      return { path: at, rule: 'format', expected: String(params.format), actual: error.data };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        path: at,
        rule: error.keyword,
        expected: `${String(params.comparison)} ${String(params.limit)}`,
        actual: error.data,
      };
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems': {
      const op = error.keyword.startsWith('min') ? '>=' : '<=';
      const unit = error.keyword.endsWith('Length') ? 'characters' : 'items';
      return { path: at, rule: error.keyword, expected: `${op} ${String(params.limit)} ${unit}`, actual: error.data };
    }
    case 'x-type': {
      const xType = String(params.xType);
      const rule = xType.startsWith('decimal') ? 'decimal' : xType;
      // A JSON number a double would round is reported as it was sent.
      const actual = typeof params.exactText === 'string' ? params.exactText : error.data;
      return { path: at, rule, expected: String(params.expected), actual };
    }
    default:
      return { path: at || '/', rule: error.keyword, expected: error.message ?? error.keyword, actual: error.data };
  }
}
