// The CSV side of the fast path: one physical line → cells → typed columns, with the general CSV path's exact
// semantics (csv-parse cells coerced per contract: an empty cell is null where the field is optional, integers
// from text, JSON text for structs). A record the scanner cannot take goes to the general path (GENERAL); CSV
// syntax only csv-parse may judge — a quote inside an unquoted cell, text after a closing quote, an unclosed
// quote (a record spanning lines), a carriage return, non-ASCII bytes — is an ANOMALY: the engine then hands the
// rest of the file to csv-parse, from the first record of the chunk on.
import { csvRecordItem } from '../../formats/csv-messages.ts';
import type { ParsedItem } from '../../formats/types.ts';
import type { LeafBuilder } from './builders.ts';
import { FOLD_LOWER, FOLD_UPPER, type Fold } from './builders.ts';
import type { FastField } from './plan.ts';
import { civilDays, type JsonRecordScanner } from './scan-json.ts';

export const SCANNED = 0;
export const GENERAL = -1;
export const ANOMALY = -2;
const QUOTE = 0x22;

export class CsvRecordScanner {
  private readonly json: JsonRecordScanner;
  private readonly builders: readonly LeafBuilder[];
  private readonly fields: readonly FastField[];
  /** The contract field of each header column (undefined: not a field the fast path fills). */
  private readonly columns: readonly (FastField | undefined)[];
  readonly delimiter: number;
  private readonly cellStart: Int32Array;
  private readonly cellEnd: Int32Array;
  private readonly cellEscaped: Uint8Array;
  private scratch = new Uint8Array(4096);

  constructor(
    json: JsonRecordScanner,
    builders: readonly LeafBuilder[],
    fields: readonly FastField[],
    header: readonly string[],
    delimiter: number,
  ) {
    this.json = json;
    this.builders = builders;
    this.fields = fields;
    this.columns = header.map((name) => fields.find((f) => f.name === name));
    this.delimiter = delimiter;
    this.cellStart = new Int32Array(header.length + 1);
    this.cellEnd = new Int32Array(header.length + 1);
    this.cellEscaped = new Uint8Array(header.length + 1);
  }

  /** Splits buf[start, end) into cells; returns how many (up to header + 1), or ANOMALY. */
  cells(buf: Uint8Array, start: number, end: number): number {
    const delimiter = this.delimiter;
    const limit = this.cellStart.length;
    let n = 0;
    let p = start;
    for (;;) {
      let cellStart = p;
      let cellEnd: number;
      let escaped = 0;
      if (buf[p] === QUOTE) {
        cellStart = ++p;
        for (;;) {
          if (p >= end) return ANOMALY; // unclosed here: the record spans lines
          const c = buf[p] as number;
          if (c === QUOTE) {
            if (buf[p + 1] === QUOTE && p + 1 < end) {
              escaped = 1;
              p += 2;
              continue;
            }
            break;
          }
          if (c >= 0x80 || c === 0x0d) return ANOMALY;
          p++;
        }
        cellEnd = p++;
        if (p < end && buf[p] !== delimiter) return ANOMALY; // text after the closing quote
      } else {
        while (p < end) {
          const c = buf[p] as number;
          if (c === delimiter) break;
          if (c === QUOTE || c >= 0x80 || c === 0x0d) return ANOMALY;
          p++;
        }
        cellEnd = p;
      }
      if (n < limit) {
        this.cellStart[n] = cellStart;
        this.cellEnd[n] = cellEnd;
        this.cellEscaped[n] = escaped;
      }
      n++;
      if (p >= end) return Math.min(n, limit);
      p++; // the delimiter
    }
  }

  /** Scans one record (a whole physical line) into the builders: SCANNED, GENERAL or ANOMALY. */
  scan(buf: Uint8Array, start: number, end: number): number {
    const count = this.cells(buf, start, end);
    if (count < 0) return ANOMALY;
    const columns = this.columns;
    if (count !== columns.length) return GENERAL; // the general path quarantines the column count
    let seen = 0;
    for (let i = 0; i < count; i++) {
      const field = columns[i];
      if (!field) return GENERAL;
      seen |= 1 << field.bit;
      if (!this.cell(buf, this.cellStart[i] as number, this.cellEnd[i] as number, this.cellEscaped[i] === 1, field))
        return GENERAL;
    }
    if (seen !== (1 << this.fields.length) - 1) {
      for (const field of this.fields) {
        if (seen & (1 << field.bit)) continue;
        if (field.required) return GENERAL;
        if (field.kind === 'struct')
          for (const m of field.members) (this.builders[m.leaf] as LeafBuilder).appendNull(0);
        else (this.builders[field.leaf] as LeafBuilder).appendNull(0);
      }
    }
    return SCANNED;
  }

  private cell(buf: Uint8Array, start: number, end: number, escaped: boolean, field: FastField): boolean {
    const optional = field.field.nullable || !field.field.required;
    if (start === end) {
      // An empty cell is null for an optional field, '' for a required string, a violation otherwise.
      if (optional) {
        if (field.kind === 'struct')
          for (const m of field.members) (this.builders[m.leaf] as LeafBuilder).appendNull(0);
        else (this.builders[field.leaf] as LeafBuilder).appendNull(0);
        return true;
      }
      if (field.kind !== 'string' || !field.allowsString) return false;
      (this.builders[field.leaf] as LeafBuilder).bytesFrom(buf, start, end, 0);
      return true;
    }
    if (field.kind === 'struct') {
      // JSON text: un-double the quotes into scratch, then the JSON scanner reads it like an NDJSON value.
      const length = end - start;
      if (this.scratch.length < length + 1) this.scratch = new Uint8Array(length * 2 + 1);
      const scratch = this.scratch;
      let n = 0;
      for (let p = start; p < end; p++) {
        const c = buf[p] as number;
        scratch[n++] = c;
        if (escaped && c === QUOTE) p++;
      }
      scratch[n] = 0x0a;
      return this.json.struct(scratch, 0, n, field) === n;
    }
    if (escaped) return false; // quotes inside scalar cells: rare, the general path
    const builder = this.builders[field.leaf] as LeafBuilder;
    switch (field.kind) {
      case 'string': {
        if (!field.allowsString) return false;
        for (let p = start; p < end; p++) {
          const c = buf[p] as number;
          if (c < 0x20 || c > 0x7e) return false;
        }
        let s = start;
        let e = end;
        if (field.trim) {
          while (s < e && buf[s] === 0x20) s++;
          while (e > s && buf[e - 1] === 0x20) e--;
        }
        builder.bytesFrom(buf, s, e, fold(field));
        return true;
      }
      case 'timestamp':
        if (!field.allowsString || this.json.timestamp(buf, start) !== end) return false;
        builder.int64(this.json.number);
        return true;
      case 'date': {
        const days = field.allowsString && end - start === 10 ? civilDays(buf, start) : undefined;
        if (days === undefined) return false;
        builder.int32(days);
        return true;
      }
      case 'decimal':
        if (!field.allowsString || this.json.decimal(buf, start, field, true) !== end) return false;
        if (field.precision <= 9) builder.int32(this.json.number);
        else builder.int64(this.json.number);
        return true;
      case 'int':
      case 'long':
        // Text → integer like the general path's coercion (leading zeros allowed there too).
        if (!field.allowsInteger || this.json.decimal(buf, start, field, true) !== end) return false;
        if (field.kind === 'int') {
          const n = this.json.number;
          if (n < -2147483648 || n > 2147483647) return false;
          builder.int32(n);
        } else builder.int64(this.json.number);
        return true;
      case 'boolean': {
        if (!field.allowsBoolean) return false;
        const length = end - start;
        const c = buf[start];
        if (length === 1 && (c === 0x31 || c === 0x30)) builder.boolean(c === 0x31);
        else if (length === 4 && isWord(buf, start, 'true')) builder.boolean(true);
        else if (length === 5 && isWord(buf, start, 'false')) builder.boolean(false);
        else return false;
        return true;
      }
      default:
        return false;
    }
  }
}

function fold(field: FastField): Fold {
  return field.caseFold === 'upper' ? FOLD_UPPER : field.caseFold === 'lower' ? FOLD_LOWER : 0;
}

function isWord(buf: Uint8Array, p: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (buf[p + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** A CSV line as the general path's parser yields it (cells by header name), for a record the scanner left. */
export function csvLineItem(
  scanner: CsvRecordScanner,
  header: readonly string[],
  data: Buffer,
  start: number,
  end: number,
  line: number,
): ParsedItem {
  const raw = data.toString('utf8', start, end);
  const cells: string[] = [];
  // Split again without the header limit, to report the real column count.
  let p = start;
  for (;;) {
    let text: string;
    if (data[p] === QUOTE) {
      let q = p + 1;
      for (; q < end; q++) if (data[q] === QUOTE && data[++q] !== QUOTE) break;
      text = data.toString('utf8', p + 1, q - 1).replaceAll('""', '"');
      p = q;
    } else {
      let q = data.indexOf(scanner.delimiter, p);
      if (q === -1 || q > end) q = end;
      text = data.toString('utf8', p, q);
      p = q;
    }
    cells.push(text);
    if (p >= end) break;
    p++;
  }
  return csvRecordItem(header, cells, raw, line);
}
