// Exact decoding of one JSON text (an NDJSON line, an array element, a request body, a CSV cell holding JSON):
//   - a depth check BEFORE any value is built: nesting beyond MAX_JSON_DEPTH is refused as `too_deep`, so no
//     recursive walk downstream (ajv, JSON.stringify in quarantine files, normalisation) ever meets a value
//     whose depth the input controls;
//   - duplicate keys in one object are refused as `duplicate_key` (JSON.parse would silently keep the last);
//   - a string or key holding a lone UTF-16 surrogate (`"\ud800"`, valid JSON text but no Unicode scalar value)
//     is refused as `encoding`: UTF-8, and so Parquet, cannot hold it (it would be stored as U+FFFD);
//   - every number whose double does not hold the text's exact value (`12.300000000000000001`, `1e400`) keeps
//     its source text, so decimal checks and normalisation work on what was sent, not on a rounded double.
// The checks are one iterative pass over the text (no recursion, fixed-size stacks); the value itself comes from
// the engine's JSON.parse. Well-formedness is JSON.parse's verdict (`json`).

/** Deepest nesting of arrays and objects accepted: `{"a":[1]}` is depth 2. Deeper values are `too_deep`. */
export const MAX_JSON_DEPTH = 64;

export type DecodedJson =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      /** `json` (not well-formed), `too_deep`, `duplicate_key`, `encoding` (a lone surrogate). */
      readonly rule: 'json' | 'too_deep' | 'duplicate_key' | 'encoding';
      readonly message: string;
      /** JSON Pointer of the offending object or key, when known. */
      readonly path?: string;
    };

/**
 * Decodes a JSON text exactly (see the module comment). For an object or array value, the source text of its
 * inexact numbers is available from `exactNumberTexts(value)`.
 */
export function decodeJsonText(text: string): DecodedJson {
  const scan = scanStructure(text);
  if (scan.problem?.rule === 'too_deep') return { ok: false, ...scan.problem };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, rule: 'json', message: (error as Error).message };
  }
  if (scan.problem) return { ok: false, ...scan.problem };
  // Text decoded from UTF-8 holds no lone surrogate; only a `\uD8xx`–`\uDFxx` escape can make one. The escape
  // test is a cheap filter (`\\ud800` is a backslash and text): the walk over the decoded value decides.
  if (text.includes('\\u') && SURROGATE_ESCAPE.test(text)) {
    const path = loneSurrogatePath(value);
    if (path !== undefined) {
      return {
        ok: false,
        rule: 'encoding',
        message: 'a string holds a lone UTF-16 surrogate, which UTF-8 cannot store',
        path,
      };
    }
  }
  if (scan.numberTexts && typeof value === 'object' && value !== null) numberTextsByRoot.set(value, scan.numberTexts);
  return { ok: true, value };
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no `u` flag).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The JSON Pointer of the first string or key of `root` that holds a lone surrogate (iterative: no recursion). */
function loneSurrogatePath(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, '']];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, pointer] = next;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return pointer || '/';
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${pointer}/${i}`]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, member] of Object.entries(value)) {
        const at = `${pointer}/${escapePointer(key)}`;
        if (LONE_SURROGATE.test(key)) return at;
        stack.push([member, at]);
      }
    }
  }
  return undefined;
}

const numberTextsByRoot = new WeakMap<object, ReadonlyMap<string, string>>();

/**
 * The source text of the numbers of a decoded document whose JS number is not their exact value, by JSON Pointer
 * (as ajv's `instancePath` spells it); `undefined` when every number is exact (the usual case).
 */
export function exactNumberTexts(root: object): ReadonlyMap<string, string> | undefined {
  return numberTextsByRoot.get(root);
}

/**
 * Carries the exact number texts of `from` over to `to`: a copy of it (the same numbers at the same places), or,
 * with `key`, the object that holds `from` under `key` (a JSON cell of a CSV record).
 */
export function keepExactNumberTexts(from: object, to: object, key?: string): void {
  const texts = numberTextsByRoot.get(from);
  if (!texts) return;
  if (key === undefined) {
    numberTextsByRoot.set(to, texts);
    return;
  }
  const merged = new Map(numberTextsByRoot.get(to));
  for (const [pointer, text] of texts) merged.set(`/${escapePointer(key)}${pointer}`, text);
  numberTextsByRoot.set(to, merged);
}

/** A decimal value as `digits × 10^exponent`, digits without leading or trailing zeros ('' for zero). */
export interface ExactDecimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

const NUMBER_TEXT = /^([+-])?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The exact value of a number text (JSON number syntax; a leading `+` and leading zeros tolerated), or undefined. */
export function exactDecimal(text: string): ExactDecimal | undefined {
  const m = NUMBER_TEXT.exec(text);
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  let digits = (m[2] as string) + fraction;
  let exponent = Number(m[4] ?? '0') - fraction.length;
  const lead = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(lead);
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  if (digits === '') exponent = 0;
  return { negative: m[1] === '-' && digits !== '', digits, exponent };
}

/** The order of two exact decimals: negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareExactDecimals(a: ExactDecimal, b: ExactDecimal): number {
  const signA = a.digits === '' ? 0 : a.negative ? -1 : 1;
  const signB = b.digits === '' ? 0 : b.negative ? -1 : 1;
  if (signA !== signB || signA === 0) return signA - signB;
  // Same sign, both non-zero: first the position of the leading digit, then the digits themselves.
  const magnitudeA = a.digits.length + a.exponent;
  const magnitudeB = b.digits.length + b.exponent;
  let order = magnitudeA - magnitudeB;
  if (order === 0) {
    const length = Math.max(a.digits.length, b.digits.length);
    const digitsA = a.digits.padEnd(length, '0');
    const digitsB = b.digits.padEnd(length, '0');
    order = digitsA < digitsB ? -1 : digitsA > digitsB ? 1 : 0;
  }
  return order === 0 ? 0 : signA * order;
}

function sameDecimal(a: ExactDecimal | undefined, b: ExactDecimal | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.negative === b.negative &&
    a.digits === b.digits &&
    a.exponent === b.exponent
  );
}

// A double holds any decimal of at most 15 significant digits closely enough for String() to give it back.
const EXACT_DIGITS = 15;

interface Scan {
  problem?: { rule: 'too_deep' | 'duplicate_key'; message: string; path: string };
  numberTexts?: Map<string, string>;
}

// Per-level state, reused across calls (the depth is bounded, so these never grow).
const isObjectLevel = new Uint8Array(MAX_JSON_DEPTH + 1);
const arrayIndex = new Int32Array(MAX_JSON_DEPTH + 1);
const levelKey: (string | undefined)[] = new Array<string | undefined>(MAX_JSON_DEPTH + 1);
// The keys seen in each open object: an array while small (faster than a Set for a record's dozen keys).
const levelKeys: string[][] = Array.from({ length: MAX_JSON_DEPTH + 1 }, () => []);
const levelKeySet: (Set<string> | undefined)[] = new Array<Set<string> | undefined>(MAX_JSON_DEPTH + 1);
const SMALL_OBJECT_KEYS = 16;

/** Adds `key` to the object open at `depth`; false when it was there already. */
function addKey(depth: number, key: string): boolean {
  const keys = levelKeys[depth] as string[];
  const set = levelKeySet[depth];
  if (set) {
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }
  if (keys.includes(key)) return false;
  keys.push(key);
  if (keys.length === SMALL_OBJECT_KEYS) levelKeySet[depth] = new Set(keys);
  return true;
}

/** One pass over the text: depth, keys per object, numbers that need their text. Tolerates broken JSON. */
function scanStructure(text: string): Scan {
  const scan: Scan = {};
  let depth = 0;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      // The closing quote: the next one not escaped (preceded by an even number of backslashes).
      i = text.indexOf('"', start);
      while (i !== -1) {
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        i = text.indexOf('"', i + 1);
      }
      if (i === -1) return scan; // an unterminated string: JSON.parse reports it
      if (expectKey && depth > 0) {
        expectKey = false;
        let key = text.slice(start, i);
        if (key.includes('\\')) {
          try {
            key = JSON.parse(`"${key}"`) as string;
          } catch {
            return scan; // a broken key: JSON.parse reports the text
          }
        }
        if (!addKey(depth, key)) {
          scan.problem = {
            rule: 'duplicate_key',
            message: `duplicate key ${JSON.stringify(key)} in one object`,
            path: pointerAt(depth, key),
          };
          return scan;
        }
        levelKey[depth] = key;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth === MAX_JSON_DEPTH) {
        scan.problem = {
          rule: 'too_deep',
          message: `nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`,
          path: pointerAt(depth),
        };
        return scan;
      }
      depth++;
      const object = c === 0x7b;
      isObjectLevel[depth] = object ? 1 : 0;
      arrayIndex[depth] = 0;
      levelKey[depth] = undefined;
      if (object) {
        (levelKeys[depth] as string[]).length = 0;
        levelKeySet[depth] = undefined;
      }
      expectKey = object;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth === 0) return scan; // unbalanced: JSON.parse reports it
      depth--;
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      if (depth > 0) {
        if (isObjectLevel[depth]) expectKey = true;
        else arrayIndex[depth] = (arrayIndex[depth] as number) + 1;
      }
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let digits = 0;
      let exponent = false;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) digits++;
        else if (d === 0x65 || d === 0x45) exponent = true;
        else if (d !== 0x2e && d !== 0x2b && d !== 0x2d) break;
      }
      const literal = text.slice(start, i);
      i--;
      if (digits > EXACT_DIGITS || exponent) {
        const exact = exactDecimal(literal);
        if (exact && !sameDecimal(exact, exactDecimal(String(Number(literal))))) {
          scan.numberTexts ??= new Map();
          scan.numberTexts.set(pointerAt(depth), literal);
        }
      }
    }
  }
  return scan;
}

/** The JSON Pointer of the current value at `depth` (or of `key` in the object at `depth`), as ajv spells it. */
function pointerAt(depth: number, key?: string): string {
  let pointer = '';
  for (let level = 1; level <= depth; level++) {
    const segment = isObjectLevel[level] ? levelKey[level] : String(arrayIndex[level]);
    if (level === depth && key !== undefined) break;
    if (segment === undefined) break;
    pointer += `/${escapePointer(segment)}`;
  }
  if (key !== undefined) pointer += `/${escapePointer(key)}`;
  return pointer;
}

/** A JSON Pointer segment, escaped (`~` → `~0`, `/` → `~1`). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
