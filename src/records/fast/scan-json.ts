// A JSON object scanner directed by the contract: it walks one record's bytes once and writes each value
// straight into its typed column builder (no object, no string per record), applying the normalising transforms
// (ASCII trim and case) on the way. It only knows the common shape — keys it expects, ASCII strings without
// escapes, plain numbers, timestamps `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` — and gives up (returns false) on anything
// else: the caller rolls the row back and the general path (JSON.parse + ajv) decides, with every violation.
//
// The buffer must hold a byte below 0x20 (the line's newline) right after `end`: string scans stop there.
import { daysFromCivil } from '../values.ts';
import { FOLD_LOWER, FOLD_UPPER, type Fold, type LeafBuilder } from './builders.ts';
import type { FastField } from './plan.ts';
import { isPlainJsonWord } from './words.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const MICROS_PER_SECOND = 1_000_000;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

const FAIL = -1;
/** Per byte inside a string: 0 = plain printable ASCII, 1 = the closing quote, 2 = anything else. */
const STRING_BYTE = new Uint8Array(256).fill(2);
STRING_BYTE.fill(0, 0x20, 0x7f);
STRING_BYTE[QUOTE] = 1;
STRING_BYTE[BACKSLASH] = 2;

export class JsonRecordScanner {
  private readonly fields: readonly FastField[];
  private readonly builders: readonly LeafBuilder[];
  private readonly folds: Fold[] = [];
  /** Result of the last number or timestamp scan (read by the CSV scanner too). */
  number = 0;
  /** A DataView of the buffer being scanned, for reading 4 bytes at a time. */
  private view: DataView = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | undefined;

  constructor(fields: readonly FastField[], builders: readonly LeafBuilder[]) {
    this.fields = fields;
    this.builders = builders;
    const visit = (f: FastField): void => {
      this.folds[f.leaf] = fold(f);
      f.members.forEach(visit);
    };
    fields.forEach(visit);
  }

  /** Points `view` at `buf` (a new DataView only when the buffer changes: once per chunk). */
  private viewFor(buf: Uint8Array): void {
    if (buf !== this.viewOf) {
      this.viewOf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
  }

  /** Scans one record in buf[start, end) into the builders; false when the general path must take it. */
  scan(buf: Uint8Array, start: number, end: number): boolean {
    this.viewFor(buf);
    let p = skipSpace(buf, start, end);
    p = this.object(buf, p, end, this.fields, 0);
    if (p < 0) return false;
    return skipSpace(buf, p, end) === end;
  }

  /** An object of `fields` at p; `parentLevel` is the definition level of its members' nulls. */
  private object(buf: Uint8Array, p: number, end: number, fields: readonly FastField[], parentLevel: number): number {
    if (buf[p] !== OPEN) return FAIL;
    p = skipSpace(buf, p + 1, end);
    let seen = 0;
    let expected = 0;
    const n = fields.length;
    if (buf[p] === CLOSE) {
      p++;
    } else {
      for (;;) {
        if (buf[p] !== QUOTE) return FAIL;
        // Keys usually arrive in contract order and compact: match `"name":` of the next field in one pass.
        let index = -1;
        if (expected < n) {
          const words = (fields[expected] as FastField).keyWords;
          const length = (fields[expected] as FastField).keyBytes.length;
          if (p + length <= end) {
            // 4 bytes at a time: the key's words, the last one overlapping the one before (see keyWords).
            const view = this.view;
            const last = words.length - 1;
            let w = 0;
            while (w < last && view.getInt32(p + 4 * w, true) === words[w]) w++;
            if (w === last && view.getInt32(p + length - 4, true) === words[last]) {
              index = expected;
              p += length;
            }
          }
        }
        if (index < 0) {
          const keyStart = p + 1;
          let q = keyStart;
          for (let c = buf[q] as number; c !== QUOTE; c = buf[++q] as number)
            if (c === BACKSLASH || c < 0x20) return FAIL;
          for (let i = 0; i < n; i++)
            if (matches(buf, keyStart, q, (fields[i] as FastField).nameBytes)) {
              index = i;
              break;
            }
          if (index < 0) return FAIL; // unknown key: the general path reports it
          p = skipSpace(buf, q + 1, end);
          if (buf[p] !== COLON) return FAIL;
          p++;
        }
        const bit = 1 << index;
        if (seen & bit) return FAIL; // duplicate key
        seen |= bit;
        expected = index + 1;
        if (buf[p] === 0x20) p = skipSpace(buf, p, end);
        const field = fields[index] as FastField;
        p = field.kind === 'struct' ? this.struct(buf, p, end, field) : this.value(buf, p, field, parentLevel);
        if (p < 0) return FAIL;
        let c = buf[p];
        if (c !== COMMA && c !== CLOSE) {
          p = skipSpace(buf, p, end);
          c = buf[p];
        }
        p++;
        if (c === CLOSE) break;
        if (c !== COMMA) return FAIL;
        if (buf[p] !== QUOTE) p = skipSpace(buf, p, end);
      }
    }
    if (seen !== (1 << n) - 1) {
      for (let i = 0; i < n; i++) {
        if (seen & (1 << i)) continue;
        const field = fields[i] as FastField;
        if (field.required) return FAIL; // the general path reports `required`
        if (field.kind === 'struct')
          for (const m of field.members) (this.builders[m.leaf] as LeafBuilder).appendNull(0);
        else (this.builders[field.leaf] as LeafBuilder).appendNull(parentLevel);
      }
    }
    return p;
  }

  /** A struct field's value (an object or null) at p; also used for JSON cells of CSV records. */
  struct(buf: Uint8Array, p: number, end: number, field: FastField): number {
    this.viewFor(buf); // the CSV scanner's scratch buffer, or (a no-op) the record's
    if (buf[p] === 0x6e) {
      if (!field.allowsNull || !isLiteral(buf, p, NULL)) return FAIL;
      for (const m of field.members) (this.builders[m.leaf] as LeafBuilder).appendNull(0);
      return p + 4;
    }
    const optional = field.field.nullable || !field.field.required;
    return this.object(buf, p, end, field.members, optional ? 1 : 0);
  }

  /** One primitive value at p; `nullLevel` is the definition level of a null here. Returns the end or FAIL. */
  private value(buf: Uint8Array, p: number, field: FastField, nullLevel: number): number {
    const builder = this.builders[field.leaf] as LeafBuilder;
    const c = buf[p] as number;
    if (c === 0x6e) {
      if (!field.allowsNull || !isLiteral(buf, p, NULL)) return FAIL;
      builder.appendNull(nullLevel);
      return p + 4;
    }
    switch (field.kind) {
      case 'string': {
        if (c !== QUOTE || !field.allowsString) return FAIL;
        let start = p + 1;
        let q = start;
        // Four bytes at a time while all four are plain (the line's newline stops this within the line), then
        // one table look-up per byte: stop at the closing quote, give up on escapes, controls and non-ASCII.
        const view = this.view;
        const lastWord = view.byteLength - 4;
        while (q <= lastWord && isPlainJsonWord(view.getInt32(q, true))) q += 4;
        let b = STRING_BYTE[buf[q] as number] as number;
        while (b === 0) b = STRING_BYTE[buf[++q] as number] as number;
        if (b !== 1) return FAIL;
        let stop = q;
        if (field.trim) {
          while (start < stop && buf[start] === 0x20) start++;
          while (stop > start && buf[stop - 1] === 0x20) stop--;
        }
        builder.bytesFrom(buf, start, stop, this.folds[field.leaf] as Fold, view);
        return q + 1;
      }
      case 'timestamp': {
        if (c !== QUOTE || !field.allowsString) return FAIL;
        const q = this.timestamp(buf, p + 1);
        if (q < 0 || buf[q] !== QUOTE) return FAIL;
        builder.int64(this.number);
        return q + 1;
      }
      case 'date': {
        if (c !== QUOTE || !field.allowsString) return FAIL;
        const days = civilDays(buf, p + 1);
        if (days === undefined || buf[p + 11] !== QUOTE) return FAIL;
        builder.int32(days);
        return p + 12;
      }
      case 'decimal': {
        let q: number;
        if (c === QUOTE) {
          if (!field.allowsString) return FAIL;
          q = this.decimal(buf, p + 1, field, true);
          if (q < 0 || buf[q] !== QUOTE) return FAIL;
          q++;
        } else {
          if (!field.allowsNumber) return FAIL;
          q = this.decimal(buf, p, field, false);
          if (q < 0) return FAIL;
        }
        if (field.precision <= 9) builder.int32(this.number);
        else builder.int64(this.number);
        return q;
      }
      case 'int':
      case 'long': {
        if (!field.allowsInteger) return FAIL;
        const q = this.decimal(buf, p, field, false);
        if (q < 0) return FAIL;
        if (field.kind === 'int') {
          if (this.number < -2147483648 || this.number > 2147483647) return FAIL;
          builder.int32(this.number);
        } else builder.int64(this.number);
        return q;
      }
      case 'boolean': {
        if (!field.allowsBoolean) return FAIL;
        if (c === 0x74 && isLiteral(buf, p, TRUE)) {
          builder.boolean(true);
          return p + 4;
        }
        if (c === 0x66 && isLiteral(buf, p, FALSE)) {
          builder.boolean(false);
          return p + 5;
        }
        return FAIL;
      }
      case 'double':
      case 'struct':
        return FAIL; // doubles round-trip through the general path (exact JSON number semantics)
    }
  }

  /**
   * A plain decimal number at p: -?digits(.digits)? with at most `scale` fraction digits and at most 15 digits
   * in all (exact as a double), JSON's grammar for numbers (no leading zeros) unless quoted. Sets `number` to
   * the unscaled value and returns the end, or FAIL.
   */
  decimal(buf: Uint8Array, p: number, field: FastField, quoted: boolean): number {
    let negative = false;
    if (buf[p] === MINUS) {
      negative = true;
      p++;
    }
    const intStart = p;
    let value = 0;
    let c = buf[p] as number;
    while (c >= ZERO && c <= 0x39) {
      value = value * 10 + (c - ZERO);
      c = buf[++p] as number;
    }
    const intDigits = p - intStart;
    if (intDigits === 0) return FAIL;
    if (!quoted && intDigits > 1 && buf[intStart] === ZERO) return FAIL; // JSON forbids leading zeros
    let fractionDigits = 0;
    if (c === DOT) {
      const fractionStart = ++p;
      c = buf[p] as number;
      while (c >= ZERO && c <= 0x39) {
        value = value * 10 + (c - ZERO);
        c = buf[++p] as number;
      }
      fractionDigits = p - fractionStart;
      if (fractionDigits === 0 || fractionDigits > field.scale) return FAIL;
    }
    if (c === 0x65 || c === 0x45) return FAIL; // exponents: the general path
    if (intDigits + fractionDigits > 15) return FAIL;
    if (field.kind === 'decimal') {
      // Integer digits as the x-type check counts them: leading zeros dropped, a lone 0 counts as none.
      let first = intStart;
      while (first < intStart + intDigits - 1 && buf[first] === ZERO) first++;
      const significant = intStart + intDigits - first === 1 && buf[first] === ZERO ? 0 : intStart + intDigits - first;
      if (significant > field.precision - field.scale) return FAIL;
    }
    value *= POW10[field.scale - fractionDigits] as number;
    this.number = negative ? -value || 0 : value;
    return p;
  }

  /** `YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z` at p → `number` µs since the epoch, UTC; returns the end or FAIL. */
  timestamp(buf: Uint8Array, p: number): number {
    const days = civilDays(buf, p);
    if (days === undefined || buf[p + 10] !== 0x54 || buf[p + 13] !== COLON || buf[p + 16] !== COLON) return FAIL;
    const hour = twoDigits(buf, p + 11);
    const minute = twoDigits(buf, p + 14);
    const second = twoDigits(buf, p + 17);
    if (hour > 23 || minute > 59 || second > 59) return FAIL;
    let q = p + 19;
    let fraction = 0;
    if (buf[q] === DOT) {
      const start = ++q;
      let c = buf[q] as number;
      while (c >= ZERO && c <= 0x39) {
        fraction = fraction * 10 + (c - ZERO);
        c = buf[++q] as number;
      }
      const digits = q - start;
      if (digits === 0 || digits > 6) return FAIL;
      fraction *= POW10[6 - digits] as number;
    }
    if (buf[q] !== 0x5a) return FAIL;
    this.number = (((days * 24 + hour) * 60 + minute) * 60 + second) * MICROS_PER_SECOND + fraction;
    return q + 1;
  }
}

const NULL = new Uint8Array([0x6e, 0x75, 0x6c, 0x6c]);
const TRUE = new Uint8Array([0x74, 0x72, 0x75, 0x65]);
const FALSE = new Uint8Array([0x66, 0x61, 0x6c, 0x73, 0x65]);

function isLiteral(buf: Uint8Array, p: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (buf[p + i] !== word[i]) return false;
  return true;
}

function skipSpace(buf: Uint8Array, p: number, end: number): number {
  while (p < end && isSpace(buf[p] as number)) p++;
  return p;
}

function fold(field: FastField): Fold {
  return field.caseFold === 'upper' ? FOLD_UPPER : field.caseFold === 'lower' ? FOLD_LOWER : 0;
}

function matches(buf: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

function digit(buf: Uint8Array, p: number): number {
  const d = (buf[p] as number) - ZERO;
  return d >= 0 && d <= 9 ? d : 100;
}

/** Two decimal digits, or a value above any valid field (100+) when they are not digits. */
function twoDigits(buf: Uint8Array, p: number): number {
  return digit(buf, p) * 10 + digit(buf, p + 1);
}

/**
 * Days since 1970-01-01 of `YYYY-MM-DD` at p, validated like ajv-formats' `date` (real calendar days);
 * years outside 1000–2200 go to the general path (microseconds past 2255 exceed 2^53).
 */
export function civilDays(buf: Uint8Array, p: number): number | undefined {
  const year = twoDigits(buf, p) * 100 + twoDigits(buf, p + 2);
  if (buf[p + 4] !== MINUS || buf[p + 7] !== MINUS) return undefined;
  const month = twoDigits(buf, p + 5);
  const day = twoDigits(buf, p + 8);
  if (year < 1000 || year > 2200 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (day > monthDays) return undefined;
  return daysFromCivil(year, month, day);
}
