// Cuts a CSV byte stream into records before csv-parse reads their cells. csv-parse alone cannot recover from a
// broken record: after text following a closing quote (`"ab"c`) it resumes inside a quote that never closes and
// takes the rest of the file as one record, and it reports each stray quote of a line as an error of its own. Here
// each record's extent is found first — a line end outside a properly quoted field ends it — so that one malformed
// record costs exactly one quarantined record and reading resumes at its line end. A record larger than
// `maxRecordBytes` is never held whole: its first bytes are kept for the quarantine entry and the rest skipped.
// No csv-parse here: the cells of each record are csv-parse's to read (csv.ts).

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** Bytes of an oversized record kept for its quarantine entry. */
const TOO_LARGE_RAW_BYTES = 1024;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Just after the quote closing a quoted field: only a delimiter or a line end may follow. */
const AFTER_QUOTE = 3;
/** The record is malformed; it ends at the next line end. */
const BROKEN = 4;

export interface CsvRecordBytes {
  /** The record without its line end (`\n` or `\r\n`); for an oversized record, its first bytes only. */
  readonly bytes: Buffer;
  /** 1-based line the record starts on. */
  readonly line: number;
  /** `quoting`: a quote where none may be, or a quoted field never closed; `too_large`: over maxRecordBytes. */
  readonly fault?: 'quoting' | 'too_large';
}

export class CsvRecordSplitter {
  private readonly delimiter: Buffer;
  private readonly maxRecordBytes: number;
  /** Input not yet handed out as records: buffer[0, filled). Grown geometrically, so a long record is not copied
   * again with each chunk. */
  private buffer = Buffer.alloc(0);
  private filled = 0;
  /** Where the record being read starts in the buffer, and where reading goes on. */
  private recordStart = 0;
  private position = 0;
  private state = FIELD_START;
  private broken = false;
  private line = 1;
  private recordLine = 1;
  /** Set while skipping the rest of an oversized record: its kept first bytes. */
  private oversized: Buffer | undefined;
  private first = true;

  constructor(delimiter: string, maxRecordBytes: number) {
    this.delimiter = Buffer.from(delimiter, 'utf8');
    this.maxRecordBytes = maxRecordBytes;
  }

  /** The records complete once `chunk` is added. */
  push(chunk: Uint8Array): CsvRecordBytes[] {
    const records: CsvRecordBytes[] = [];
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.first && bytes.length > 0) {
      // A UTF-8 byte-order mark opens the input: not part of the first record. (A chunk shorter than the mark
      // that holds a part of it is not worth handling: streams hand out far larger chunks.)
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      this.first = false;
    }
    if (this.recordStart > 0) this.discard(this.recordStart);
    if (this.filled + bytes.length > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.filled + bytes.length));
      this.buffer.copy(grown, 0, 0, this.filled);
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.filled);
    this.filled += bytes.length;
    this.scan(false, records);
    return records;
  }

  /** The last record, when the input does not end with a line end. */
  end(): CsvRecordBytes[] {
    const records: CsvRecordBytes[] = [];
    this.scan(true, records);
    if (this.oversized) this.emitOversized(records);
    else if (this.filled > this.recordStart) {
      // Input ending inside a quoted field: a quote never closed.
      const fault = this.broken || this.state === QUOTED ? 'quoting' : undefined;
      records.push(this.record(this.filled, fault));
    }
    this.discard(this.filled);
    return records;
  }

  /** Drops buffer[0, bytes): records handed out, or the part read of an oversized one. */
  private discard(bytes: number): void {
    this.buffer.copyWithin(0, bytes, this.filled);
    this.filled -= bytes;
    this.position -= bytes;
    this.recordStart = Math.max(0, this.recordStart - bytes);
  }

  private scan(final: boolean, records: CsvRecordBytes[]): void {
    // A view of what was read: a look past its end finds no stale bytes.
    const data = this.buffer.subarray(0, this.filled);
    const delimiter = this.delimiter;
    const first = delimiter[0] as number;
    const length = data.length;
    let p = this.position;
    let state = this.state;
    // Where the next quote and line feed are, at or after p (-1: to look for; length: none in what was read).
    let nextQuote = -1;
    let nextLineFeed = -1;
    while (p < length) {
      if (state === FIELD_START || state === UNQUOTED) {
        // The common case, at native speed: no quote before the line end, so the record ends there.
        if (nextQuote < p) nextQuote = indexOrLength(data, QUOTE, p);
        if (nextLineFeed < p) nextLineFeed = indexOrLength(data, LF, p);
        if (nextLineFeed < nextQuote && nextLineFeed - this.recordStart <= this.maxRecordBytes) {
          p = nextLineFeed > p && data[nextLineFeed - 1] === CR ? nextLineFeed - 1 : nextLineFeed;
          state = UNQUOTED;
        }
      }
      const c = data[p] as number;
      // A decision that needs bytes not read yet waits for them (unless the input has ended).
      if (!final && (c === QUOTE || c === CR || c === first) && p + Math.max(2, delimiter.length) > length) break;
      let ends = 0; // bytes of the line end at p, 0 when none
      if (c === LF) ends = 1;
      else if (c === CR && data[p + 1] === LF) ends = 2;
      if (ends && state !== QUOTED) {
        this.line++;
        p += ends;
        this.finishRecord(p - ends, p, records);
        state = FIELD_START;
        continue;
      }
      if (c === LF) this.line++;
      const atDelimiter =
        c === first && (delimiter.length === 1 || data.subarray(p, p + delimiter.length).equals(delimiter));
      switch (state) {
        case FIELD_START:
          if (atDelimiter) p += delimiter.length - 1;
          else state = c === QUOTE ? QUOTED : UNQUOTED;
          break;
        case UNQUOTED:
          if (atDelimiter) {
            p += delimiter.length - 1;
            state = FIELD_START;
          } else if (c === QUOTE) state = BROKEN;
          break;
        case QUOTED:
          if (c === QUOTE) {
            if (data[p + 1] === QUOTE)
              p++; // an escaped quote
            else state = AFTER_QUOTE;
          }
          break;
        case AFTER_QUOTE:
          if (atDelimiter) {
            p += delimiter.length - 1;
            state = FIELD_START;
          } else state = BROKEN;
          break;
      }
      if (state === BROKEN) this.broken = true;
      p++;
      if (!this.oversized && p - this.recordStart > this.maxRecordBytes) {
        // Exactly what is read by now (maxRecordBytes + 1 bytes) bounds it: the same whatever the chunk sizes.
        const kept = Math.min(TOO_LARGE_RAW_BYTES, this.maxRecordBytes + 1);
        this.oversized = Buffer.from(data.subarray(this.recordStart, this.recordStart + kept));
      }
    }
    this.state = state;
    this.position = p;
    // Drop what was read of an oversized record: memory stays bounded however long it runs.
    if (this.oversized) this.discard(p);
  }

  /** The record from recordStart ends at `end` (its line end excluded); the next starts at `next`. */
  private finishRecord(end: number, next: number, records: CsvRecordBytes[]): void {
    if (this.oversized) this.emitOversized(records);
    else if (end > this.recordStart) records.push(this.record(end, this.broken ? 'quoting' : undefined));
    // else: an empty line, which separates nothing (csv-parse's skip_empty_lines)
    this.broken = false;
    this.recordStart = next;
    this.recordLine = this.line;
  }

  private emitOversized(records: CsvRecordBytes[]): void {
    records.push({ bytes: this.oversized as Buffer, line: this.recordLine, fault: 'too_large' });
    this.oversized = undefined;
  }

  private record(end: number, fault: 'quoting' | undefined): CsvRecordBytes {
    // Copied: the buffer is reused as reading goes on.
    const bytes = Buffer.from(this.buffer.subarray(this.recordStart, end));
    return fault ? { bytes, line: this.recordLine, fault } : { bytes, line: this.recordLine };
  }
}

function indexOrLength(data: Buffer, byte: number, from: number): number {
  const at = data.indexOf(byte, from);
  return at === -1 ? data.length : at;
}
