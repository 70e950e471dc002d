// One chunk of NDJSON lines through the fast path, with the general path's exact results:
//   1. parse: the contract-directed scanner fills typed columns; a line it cannot take (broken JSON, escapes,
//      unusual shapes, blank or oversized lines) goes through the general path right there, in order;
//   2. validate: column checks; suspect rows are re-validated by the general path (every violation reported);
//   3. de-duplicate on the primary key (keep first/last, within the chunk), quarantining the losers;
//   4. compact the columns (rejected rows out) and derive columns.
// The chunk is the general path's batch: the same items, so the same de-duplication scope and the same output.
import { Buffer, isUtf8 } from 'node:buffer';
import type { Contract } from '../../contracts/model.ts';
import { parseLine } from '../../formats/ndjson.ts';
import type { ParsedItem } from '../../formats/types.ts';
import type { ColumnarBatch } from '../columns.ts';
import { daysOfTimestamp } from '../values.ts';
import {
  duplicateViolation,
  quarantineEntry,
  RecordProcessor,
  unparseableViolation,
  type QuarantineEntry,
} from '../pipeline.ts';
import { appendNormalisedRow, LeafBuilder } from './builders.ts';
import { checkColumn } from './checks.ts';
import type { FastField, FastPlan } from './plan.ts';
import { ANOMALY, CsvRecordScanner, csvLineItem, GENERAL, SCANNED } from './scan-csv.ts';
import { JsonRecordScanner } from './scan-json.ts';

/** How one format's lines are recognised, scanned and handed to the general path. */
interface LineFormat {
  /** CSV cells are text to coerce per contract. */
  readonly textValues: boolean;
  /** A line that is no record at all (the general parser skips it without counting it). */
  blank(bytes: Uint8Array, start: number, newline: number): boolean;
  /** SCANNED, GENERAL or ANOMALY. */
  scan(bytes: Uint8Array, start: number, end: number): number;
  /** The general parser's item for a line (`trusted`: a line already parsed once, so known to be readable). */
  item(
    data: Buffer,
    start: number,
    newline: number,
    line: number,
    offset: number,
    trusted: boolean,
  ): ParsedItem | undefined;
}

export interface CsvFormat {
  readonly header: readonly string[];
  readonly delimiter: number;
  /** Records longer are quarantined as too_large (by the general parser: see csvFormat). */
  readonly maxRecordBytes: number;
}

const NEWLINE = 0x0a;
const MICROS_PER_DAY = 86_400_000_000;

/** Whole lines of an NDJSON or CSV source: what a worker receives. */
export interface LineChunk {
  /** Complete lines, the last one ending in a newline. */
  readonly bytes: Uint8Array;
  /** 1-based line number of the first line, and byte offset of `bytes[0]` in the source. */
  readonly firstLine: number;
  readonly firstOffset: number;
  /** Lines in `bytes` (an upper bound on records). */
  readonly lines: number;
  /** Where bytes of an oversized line were dropped: source offsets from `at` on are `bytes` further. */
  readonly gaps?: readonly { readonly at: number; readonly bytes: number }[];
}

/** The source offset of chunk position `position`. */
function sourceOffset(chunk: LineChunk, position: number): number {
  let offset = chunk.firstOffset + position;
  if (chunk.gaps) for (const gap of chunk.gaps) if (gap.at <= position) offset += gap.bytes;
  return offset;
}

export interface ChunkTimings {
  parse: number;
  validate: number;
}

export interface FastChunkResult {
  /** Views into the processor's builders: valid until the next chunk. */
  readonly batch: ColumnarBatch;
  readonly quarantined: QuarantineEntry[];
  readonly received: number;
  /** For each row of the batch, the index of the record it came from within the chunk. */
  readonly acceptedIndices: Int32Array;
  /** Records the scanner took / the general path took while parsing / suspects re-validated. */
  readonly fast: number;
  readonly general: number;
  readonly suspects: number;
  readonly timings: ChunkTimings;
}

interface Pending {
  at: number;
  entry: QuarantineEntry;
}

export class FastChunkProcessor {
  readonly plan: FastPlan;
  private readonly general: RecordProcessor;
  private readonly builders: LeafBuilder[];
  private readonly scanner: JsonRecordScanner;
  private csvScanner: { header: readonly string[]; scanner: CsvRecordScanner } | undefined;
  private readonly structOptional: boolean[];
  private capacity: number;
  // Per-row bookkeeping, reused across chunks.
  private rowItem = new Int32Array(0);
  private rowStart = new Int32Array(0);
  private rowEnd = new Int32Array(0);
  private rowLine = new Float64Array(0);
  private trusted = new Uint8Array(0);
  private suspect = new Uint8Array(0);
  private keep = new Uint8Array(0);

  constructor(contract: Contract, plan: FastPlan, capacity = 65_536) {
    this.plan = plan;
    this.general = new RecordProcessor(contract);
    this.capacity = capacity;
    this.builders = plan.leaves.map((leaf) => new LeafBuilder(leaf, capacity));
    this.scanner = new JsonRecordScanner(plan.fields, this.builders);
    this.structOptional = plan.fields.map((f) => f.field.nullable || !f.field.required);
    this.allocateRows(capacity);
  }

  private allocateRows(capacity: number): void {
    this.capacity = capacity;
    this.rowItem = new Int32Array(capacity);
    this.rowStart = new Int32Array(capacity);
    this.rowEnd = new Int32Array(capacity);
    this.rowLine = new Float64Array(capacity);
    this.trusted = new Uint8Array(capacity);
    this.suspect = new Uint8Array(capacity);
    this.keep = new Uint8Array(capacity);
  }

  processNdjson(chunk: LineChunk, source: string, maxRecordBytes = 16 * 1024 * 1024): FastChunkResult {
    return this.process(chunk, source, this.ndjsonFormat(maxRecordBytes)) as FastChunkResult;
  }

  /** CSV lines (the header excluded); `anomaly` when csv-parse must judge this chunk and the rest of the file. */
  processCsv(chunk: LineChunk, source: string, csv: CsvFormat): FastChunkResult | { anomaly: true } {
    return this.process(chunk, source, this.csvFormat(csv));
  }

  private ndjsonFormat(maxRecordBytes: number): LineFormat {
    const scanner = this.scanner;
    let knownUtf8: boolean | undefined;
    let chunkData: Buffer | undefined;
    return {
      textValues: false,
      blank: () => false,
      scan: (bytes, start, end) =>
        bytes[start] === 0x7b && end - start <= maxRecordBytes && scanner.scan(bytes, start, end) ? SCANNED : GENERAL,
      item: (data, start, nl, line, offset, trusted) => {
        if (chunkData !== data) {
          chunkData = data;
          knownUtf8 = undefined;
        }
        if (!trusted) knownUtf8 ??= isUtf8(data);
        return parseLine(
          data,
          start,
          nl,
          line,
          offset,
          trusted || (knownUtf8 ?? false),
          trusted ? Infinity : maxRecordBytes,
        );
      },
    };
  }

  private csvFormat(csv: CsvFormat): LineFormat {
    if (this.csvScanner?.header !== csv.header) {
      const scanner = new CsvRecordScanner(this.scanner, this.builders, this.plan.fields, csv.header, csv.delimiter);
      this.csvScanner = { header: csv.header, scanner };
    }
    const { scanner } = this.csvScanner;
    return {
      textValues: true,
      blank: (_bytes, start, end) => start === end, // csv-parse skips empty lines only
      // A line over the size limit: csv-parse's side judges it (where it ends depends on quotes in bytes the
      // splitter dropped), so that both engines quarantine the same record as too_large.
      scan: (bytes, start, end) => (end - start > csv.maxRecordBytes ? ANOMALY : scanner.scan(bytes, start, end)),
      item: (data, start, nl, line) => csvLineItem(scanner, csv.header, data, start, nl, line),
    };
  }

  private process(chunk: LineChunk, source: string, format: LineFormat): FastChunkResult | { anomaly: true } {
    const started = performance.now();
    if (chunk.lines > this.capacity) this.allocateRows(chunk.lines);
    for (const builder of this.builders) builder.reset(this.capacity);
    this.trusted.fill(0, 0, chunk.lines);
    this.suspect.fill(0, 0, chunk.lines);
    // One element type for the scanner's hot loops: a plain Uint8Array view (never a Buffer subclass).
    const bytes = new Uint8Array(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const pending: Pending[] = [];
    const inputLeaves = this.plan.leaves.length - this.plan.derivations.length;
    let rows = 0;
    let items = 0;
    let general = 0;
    let line = chunk.firstLine;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, 0); nl !== -1; nl = data.indexOf(NEWLINE, start), line++) {
      // NDJSON tolerates CRLF; in CSV a carriage return is for csv-parse to judge (the scanner flags it).
      let end = nl;
      if (!format.textValues && end > start && bytes[end - 1] === 0x0d) end--;
      if (format.blank(bytes, start, nl)) {
        start = nl + 1;
        continue;
      }
      const scanned = format.scan(bytes, start, end);
      if (scanned === ANOMALY) return { anomaly: true };
      if (scanned === SCANNED) {
        this.rowItem[rows] = items;
        this.rowStart[rows] = start;
        this.rowEnd[rows] = nl;
        this.rowLine[rows] = line;
        rows++;
        items++;
        start = nl + 1;
        continue;
      }
      for (let i = 0; i < inputLeaves; i++) (this.builders[i] as LeafBuilder).truncate(rows);
      const item = format.item(data, start, nl, line, sourceOffset(chunk, start), false);
      if (item) {
        general++;
        const row = this.generalRow(item, source, items, pending, format.textValues);
        if (row) {
          appendNormalisedRow(this.builders, row, this.plan.fields, this.structOptional);
          this.rowItem[rows] = items;
          this.rowStart[rows] = start;
          this.rowEnd[rows] = nl;
          this.rowLine[rows] = line;
          this.trusted[rows] = 1;
          rows++;
        }
        items++;
      }
      start = nl + 1;
    }
    const parsed = performance.now();

    // Column checks; suspects through the general path.
    const suspect = this.suspect;
    for (const field of this.plan.fields) {
      if (field.kind === 'struct') {
        for (const member of field.members)
          checkColumn(member, this.builders[member.leaf] as LeafBuilder, this.trusted, suspect);
      } else checkColumn(field, this.builders[field.leaf] as LeafBuilder, this.trusted, suspect);
    }
    const keep = this.keep;
    keep.fill(1, 0, rows);
    let suspects = 0;
    for (let r = 0; r < rows; r++) {
      if (!suspect[r]) continue;
      suspects++;
      const item = this.rowItemOf(format, data, chunk, r);
      // A row the general path accepts keeps the scanner's values: the checks were only unsure.
      if (!this.generalRow(item, source, this.rowItem[r] as number, pending, format.textValues)) keep[r] = 0;
    }
    this.dedupe(rows, data, chunk, source, pending, format);
    const validated = performance.now();

    const accepted = new Int32Array(rows);
    let kept = 0;
    for (let r = 0; r < rows; r++) if (keep[r]) accepted[kept++] = this.rowItem[r] as number;
    if (kept !== rows) for (let i = 0; i < inputLeaves; i++) (this.builders[i] as LeafBuilder).compact(keep);
    this.derive(kept);
    pending.sort((a, b) => a.at - b.at);
    return {
      batch: {
        fields: this.plan.contract.fields,
        rows: kept,
        leaves: this.builders.map((b) => b.vector()),
      },
      quarantined: pending.map((p) => p.entry),
      received: items,
      acceptedIndices: accepted.subarray(0, kept),
      fast: items - general,
      general,
      suspects,
      timings: { parse: parsed - started, validate: validated - parsed },
    };
  }

  /** The general path for one item: its normalised row, or undefined after queuing its quarantine entry. */
  /** The general path's item for row r's line (a row the scanner or the general path already took). */
  private rowItemOf(format: LineFormat, data: Buffer, chunk: LineChunk, r: number): ParsedItem {
    const start = this.rowStart[r] as number;
    return format.item(
      data,
      start,
      this.rowEnd[r] as number,
      this.rowLine[r] as number,
      sourceOffset(chunk, start),
      true,
    ) as ParsedItem;
  }

  private generalRow(item: ParsedItem, source: string, at: number, pending: Pending[], textValues: boolean) {
    if (item.kind === 'unparseable') {
      pending.push({ at, entry: quarantineEntry(item, source, 'parse', [unparseableViolation(item)]) });
      return undefined;
    }
    const row = this.general.toRow(item.value, textValues);
    if (!Array.isArray(row)) {
      pending.push({ at, entry: quarantineEntry(item, source, 'validation', row.violations) });
      return undefined;
    }
    return row;
  }

  private dedupe(
    rows: number,
    data: Buffer,
    chunk: LineChunk,
    source: string,
    pending: Pending[],
    format: LineFormat,
  ): void {
    const leafIndex = this.plan.primaryKeyLeaf;
    const keepWhich = this.plan.keep;
    if (leafIndex === undefined || !keepWhich) return;
    const builder = this.builders[leafIndex] as LeafBuilder;
    const keep = this.keep;
    const keyField = this.plan.fields.find((f) => f.leaf === leafIndex) as FastField;
    const keyPosition = this.plan.contract.fields.indexOf(keyField.field);
    const table = this.keyTable(rows);
    const hashes = this.hashes;
    const mask = table.length - 1;
    let nullRow = -1;
    for (let r = 0; r < rows; r++) {
      if (!keep[r]) continue;
      let earlier = -1;
      if (builder.maxDef && builder.defs[r] !== builder.maxDef) {
        earlier = nullRow;
        if (earlier < 0 || keepWhich === 'last') nullRow = r;
      } else {
        // Open addressing on the key's bytes; slots hold row + 1, and the key's full hash beside it, so that a
        // probe only reads another row's key bytes (a cache miss, far away in the column) when the hashes agree.
        const hash = hashKey(builder, r) | 0;
        let slot = hash & mask;
        for (let entry = table[slot] as number; entry !== 0; entry = table[slot] as number) {
          if (hashes[slot] === hash && sameKey(builder, entry - 1, r)) {
            earlier = entry - 1;
            if (keepWhich === 'last') table[slot] = r + 1;
            break;
          }
          slot = (slot + 1) & mask;
        }
        if (earlier < 0) {
          table[slot] = r + 1;
          hashes[slot] = hash;
        }
      }
      if (earlier < 0) continue;
      const loser = keepWhich === 'first' ? r : earlier;
      keep[loser] = 0;
      const keyRow = new Array<ReturnType<LeafBuilder['normalisedAt']>>(this.plan.contract.fields.length).fill(null);
      keyRow[keyPosition] = builder.normalisedAt(r);
      const item = this.rowItemOf(format, data, chunk, loser);
      const violation = duplicateViolation(this.plan.contract, keepWhich, this.general.primaryKeyOf(keyRow));
      pending.push({ at: this.rowItem[r] as number, entry: quarantineEntry(item, source, 'duplicate', [violation]) });
    }
  }

  private table = new Int32Array(0);
  private hashes = new Int32Array(0);

  /** A zeroed hash table with at least twice as many slots as rows (a power of two). */
  private keyTable(rows: number): Int32Array {
    let size = 1024;
    while (size < rows * 2) size *= 2;
    if (this.table.length !== size) {
      this.table = new Int32Array(size);
      this.hashes = new Int32Array(size);
    } else this.table.fill(0);
    return this.table;
  }

  private derive(rows: number): void {
    for (const { target, source } of this.plan.derivations) {
      const from = this.builders[source] as LeafBuilder;
      const to = this.builders[target] as LeafBuilder;
      to.reset(this.capacity);
      for (let r = 0; r < rows; r++) {
        if (from.maxDef && from.defs[r] !== from.maxDef) to.appendNull(0);
        else {
          const k = from.rowValue[r] as number;
          const high = from.words[2 * k + 1] as number;
          // Beyond 2^53 µs (after year 2255, only from the general path) a double would round: use BigInt.
          if (high >= 0x200000 || high < -0x200000) to.int32(daysOfTimestamp(from.normalisedAt(r) as bigint));
          else to.int32(Math.floor(from.int64At(k) / MICROS_PER_DAY));
        }
      }
    }
  }
}

/** FNV-1a over the key's bytes (strings) or 32-bit words (integers). */
function hashKey(builder: LeafBuilder, r: number): number {
  const k = builder.rowValue[r] as number;
  let h = 0x811c9dc5;
  switch (builder.plan.kind) {
    case 'bytes': {
      // At most the first and the last 8 bytes, and the length: keys (UUIDs, padded numbers) differ at one end
      // or the other; equal hashes are told apart by the exact comparison anyway.
      const bytes = builder.bytes;
      const start = (builder.starts[k] as number) + 4;
      const end = builder.starts[k + 1] as number;
      h = Math.imul(h ^ (end - start), 0x01000193);
      const head = Math.min(end, start + 8);
      for (let i = start; i < head; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
      for (let i = Math.max(head, end - 8); i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
      return h >>> 0;
    }
    case 'int32':
      return Math.imul(h ^ (builder.i32[k] as number), 0x01000193) >>> 0;
    default:
      h = Math.imul(h ^ (builder.words[2 * k] as number), 0x01000193);
      return Math.imul(h ^ (builder.words[2 * k + 1] as number), 0x01000193) >>> 0;
  }
}

function sameKey(builder: LeafBuilder, a: number, b: number): boolean {
  const ka = builder.rowValue[a] as number;
  const kb = builder.rowValue[b] as number;
  switch (builder.plan.kind) {
    case 'bytes': {
      const starts = builder.starts;
      const bytes = builder.bytes;
      const sa = starts[ka] as number;
      const sb = starts[kb] as number;
      const length = (starts[ka + 1] as number) - sa;
      if ((starts[kb + 1] as number) - sb !== length) return false;
      for (let i = 4; i < length; i++) if (bytes[sa + i] !== bytes[sb + i]) return false;
      return true;
    }
    case 'int32':
      return builder.i32[ka] === builder.i32[kb];
    default:
      return builder.words[2 * ka] === builder.words[2 * kb] && builder.words[2 * ka + 1] === builder.words[2 * kb + 1];
  }
}
