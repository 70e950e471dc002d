// Validation as column checks: each rule of the contract runs as one loop over one column (enum, uuid and simple
// patterns on bytes, other patterns on short ASCII strings, lengths and bounds on numbers). A row that fails a
// check — or that a check cannot decide — is marked suspect; the general path then re-validates it and reports
// every violation. Each rule has its own monomorphic loop: no callback per value.
import type { LeafBuilder } from './builders.ts';
import { compileBytePattern, type BytePattern } from './pattern.ts';
import type { FastField } from './plan.ts';

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const bytePatterns = new WeakMap<RegExp, BytePattern | null>();

/**
 * Marks in `suspect` the rows (present values) of one primitive field that its rules reject or cannot decide.
 * Rows marked in `trusted` came from the general path, already validated: they are skipped.
 */
export function checkColumn(field: FastField, builder: LeafBuilder, trusted: Uint8Array, suspect: Uint8Array): void {
  switch (field.kind) {
    case 'string': {
      if (field.format !== undefined && field.format !== 'uuid') {
        markAll(builder, trusted, suspect); // formats other than uuid: the general path decides
        return;
      }
      if (field.minLength !== undefined || field.maxLength !== undefined)
        checkLength(builder, trusted, suspect, field.minLength ?? 0, field.maxLength ?? Infinity);
      if (field.format === 'uuid') checkUuid(builder, trusted, suspect);
      if (field.enumBytes) checkEnum(builder, trusted, suspect, field.enumBytes);
      if (field.pattern) checkPattern(builder, trusted, suspect, field.pattern);
      return;
    }
    case 'int':
    case 'long':
    case 'decimal': {
      const { min, max, exclusiveMin, exclusiveMax, undecidable } = field.bounds;
      if (undecidable) markAll(builder, trusted, suspect);
      else if (min !== undefined || max !== undefined || exclusiveMin !== undefined || exclusiveMax !== undefined)
        checkBounds(builder, trusted, suspect, min ?? -Infinity, max ?? Infinity, exclusiveMin, exclusiveMax);
      return;
    }
    default:
      return; // timestamps and dates were checked while parsing; booleans have no rules here
  }
}

/** Whether row r holds a value the checks must look at. */
function checked(builder: LeafBuilder, trusted: Uint8Array, r: number): boolean {
  return trusted[r] === 0 && (builder.maxDef === 0 || builder.defs[r] === builder.maxDef);
}

function markAll(builder: LeafBuilder, trusted: Uint8Array, suspect: Uint8Array): void {
  for (let r = 0; r < builder.rows; r++) if (checked(builder, trusted, r)) suspect[r] = 1;
}

function checkLength(b: LeafBuilder, trusted: Uint8Array, suspect: Uint8Array, min: number, max: number): void {
  const starts = b.starts;
  const rowValue = b.rowValue;
  for (let r = 0; r < b.rows; r++) {
    if (!checked(b, trusted, r)) continue;
    const k = rowValue[r] as number;
    const length = (starts[k + 1] as number) - (starts[k] as number) - 4; // ASCII: bytes = characters
    if (length < min || length > max) suspect[r] = 1;
  }
}

function checkUuid(b: LeafBuilder, trusted: Uint8Array, suspect: Uint8Array): void {
  const starts = b.starts;
  const bytes = b.bytes;
  const rowValue = b.rowValue;
  rows: for (let r = 0; r < b.rows; r++) {
    if (!checked(b, trusted, r)) continue;
    const k = rowValue[r] as number;
    const at = (starts[k] as number) + 4;
    // The canonical 8-4-4-4-12 form only; `urn:uuid:` prefixes and the like are for the general path to decide.
    if ((starts[k + 1] as number) - at !== 36) {
      suspect[r] = 1;
      continue;
    }
    for (let i = 0; i < 36; i++) {
      const c = bytes[at + i] as number;
      const ok = i === 8 || i === 13 || i === 18 || i === 23 ? c === 0x2d : HEX[c] === 1;
      if (!ok) {
        suspect[r] = 1;
        continue rows;
      }
    }
  }
}

function checkEnum(b: LeafBuilder, trusted: Uint8Array, suspect: Uint8Array, values: readonly Uint8Array[]): void {
  const starts = b.starts;
  const bytes = b.bytes;
  const rowValue = b.rowValue;
  for (let r = 0; r < b.rows; r++) {
    if (!checked(b, trusted, r)) continue;
    const k = rowValue[r] as number;
    const at = (starts[k] as number) + 4;
    const length = (starts[k + 1] as number) - at;
    let found = false;
    for (let v = 0; v < values.length && !found; v++) {
      const value = values[v] as Uint8Array;
      if (value.length !== length) continue;
      let i = 0;
      while (i < length && bytes[at + i] === value[i]) i++;
      found = i === length;
    }
    if (!found) suspect[r] = 1;
  }
}

function checkPattern(b: LeafBuilder, trusted: Uint8Array, suspect: Uint8Array, pattern: RegExp): void {
  let compiled = bytePatterns.get(pattern);
  if (compiled === undefined) {
    compiled = compileBytePattern(pattern.source) ?? null;
    bytePatterns.set(pattern, compiled);
  }
  const starts = b.starts;
  const bytes = b.bytes;
  const rowValue = b.rowValue;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let r = 0; r < b.rows; r++) {
    if (!checked(b, trusted, r)) continue;
    const k = rowValue[r] as number;
    const at = (starts[k] as number) + 4;
    const end = starts[k + 1] as number;
    const ok = compiled ? compiled.test(bytes, at, end) : pattern.test(text.toString('latin1', at, end));
    if (!ok) suspect[r] = 1;
  }
}

function checkBounds(
  b: LeafBuilder,
  trusted: Uint8Array,
  suspect: Uint8Array,
  min: number,
  max: number,
  exclusiveMin: number | undefined,
  exclusiveMax: number | undefined,
): void {
  const xmin = exclusiveMin ?? -Infinity;
  const xmax = exclusiveMax ?? Infinity;
  const int32 = b.plan.kind === 'int32';
  const rowValue = b.rowValue;
  for (let r = 0; r < b.rows; r++) {
    if (!checked(b, trusted, r)) continue;
    const k = rowValue[r] as number;
    const v = int32 ? (b.i32[k] as number) : b.int64At(k);
    if (!(v >= min && v <= max && v > xmin && v < xmax)) suspect[r] = 1;
  }
}
