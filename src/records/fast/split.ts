// Cuts an NDJSON or CSV file into chunks of exactly `batchSize` records (the general path's batches, so both paths
// de-duplicate over the same records) at line boundaries, reading large blocks and only looking for newline
// bytes. Each chunk is its own ArrayBuffer, so it can be transferred to a worker without a copy.
// A line longer than `maxRecordBytes` is cut to maxRecordBytes + 1 bytes (enough for the worker to quarantine
// it as too large); `gaps` keeps later offsets exact.
// The next block is read while the current one is split and its chunks processed: waiting for each read left the
// calling thread idle ~110 ms of a 1.6 s run on the reference machine (~50 ms now; ADR 0011).
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { ioError } from '../../errors.ts';
import type { LineChunk } from './chunk.ts';

const NEWLINE = 0x0a;
const READ_BYTES = 4 * 1024 * 1024;

export interface SplitOptions {
  readonly batchSize: number;
  readonly maxRecordBytes: number;
  /** Where to start (after a CSV header): byte offset and its line number. */
  readonly start?: { readonly offset: number; readonly line: number };
  /** Hand out the same buffer every time: only when each chunk is done with before the next is asked for. */
  readonly reuse?: boolean;
  /** `csv`: only empty lines are blank (csv-parse's skip_empty_lines); `ndjson`: whitespace-only lines too. */
  readonly blank?: 'ndjson' | 'csv';
}

export async function* splitLines(path: string, options: SplitOptions): AsyncIterable<LineChunk> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw ioError('opening input', path, error);
  }
  const reader = new ReadAhead(handle, path, options.start?.offset ?? 0);
  try {
    let pending = Buffer.allocUnsafe(READ_BYTES * 2);
    let filled = 0; // bytes in pending
    let scanned = 0; // pending[0, scanned) holds whole lines of the current chunk
    let items = 0;
    let lines = 0;
    let firstLine = options.start?.line ?? 1;
    let firstOffset = options.start?.offset ?? 0; // source offset of pending[0]
    const blank = options.blank === 'csv' ? (b: Buffer, s: number, e: number) => s === e : isBlank;
    let gaps: Gap[] = [];
    let skipping: Gap | undefined; // inside an oversized line: bytes up to its newline are dropped
    let eof = false;
    let reused = new Uint8Array(0);
    const take = (end: number): LineChunk => {
      let bytes: Uint8Array;
      if (options.reuse) {
        // The consumer is done with the previous chunk: refill one buffer instead of allocating (and zeroing).
        if (reused.length < end) reused = new Uint8Array(Math.ceil(end * 1.25));
        bytes = reused.subarray(0, end);
      } else bytes = new Uint8Array(new ArrayBuffer(end));
      bytes.set(pending.subarray(0, end));
      const chunk: LineChunk = { bytes, firstLine, firstOffset, lines, ...(gaps.length ? { gaps } : {}) };
      pending.copyWithin(0, end, filled);
      filled -= end;
      scanned -= end;
      firstOffset += end + gaps.reduce((n, g) => n + g.bytes, 0);
      firstLine += lines;
      items = 0;
      lines = 0;
      gaps = [];
      if (skipping) skipping = { at: 0, bytes: 0 }; // what is still dropped now shifts the next chunk
      return chunk;
    };
    const drop = (n: number): void => {
      if (!skipping) return;
      if (gaps.includes(skipping)) skipping.bytes += n;
      else firstOffset += n;
    };
    for (;;) {
      if (pending.length - filled < READ_BYTES) {
        const grown = Buffer.allocUnsafe(Math.max(pending.length * 2, filled + READ_BYTES));
        pending.copy(grown, 0, 0, filled);
        pending = grown;
      }
      const block = await reader.next();
      let read = block.length;
      pending.set(block, filled);
      if (read === 0) eof = true;
      if (skipping && read > 0) {
        const nl = pending.subarray(filled, filled + read).indexOf(NEWLINE);
        if (nl === -1) {
          drop(read);
          read = 0;
        } else {
          drop(nl + 1); // the rest of the line and its newline (the kept part ends in one already)
          pending.copyWithin(filled, filled + nl + 1, filled + read);
          read -= nl + 1;
          skipping = undefined;
        }
      }
      filled += read;
      // Whole lines in pending[scanned, filled): count records until the batch is full.
      for (
        let nl = pending.indexOf(NEWLINE, scanned);
        nl !== -1 && nl < filled;
        nl = pending.indexOf(NEWLINE, scanned)
      ) {
        lines++;
        if (!blank(pending, scanned, nl)) items++;
        scanned = nl + 1;
        if (items === options.batchSize) yield take(scanned);
      }
      if (eof) {
        if (filled > scanned) {
          // A last line without a newline: give it one, so that every line ends the same way.
          if (pending.length === filled) pending = Buffer.concat([pending, Buffer.alloc(1)]);
          pending[filled++] = NEWLINE;
          lines++;
          scanned = filled;
        }
        if (scanned > 0) yield take(scanned);
        return;
      }
      if (!skipping && filled - scanned > options.maxRecordBytes) {
        // An oversized line: keep maxRecordBytes + 1 bytes of it and a newline; drop the rest of it.
        const keep = scanned + options.maxRecordBytes + 1;
        skipping = { at: keep + 1, bytes: filled - keep - 1 };
        gaps.push(skipping);
        pending[keep] = NEWLINE;
        filled = keep + 1;
      }
    }
  } finally {
    await reader.settle();
    await handle.close();
  }
}

/**
 * Blocks of a file in order, the next one always being read while the caller works on the current one. A block
 * stays valid until the next call (two buffers take turns).
 */
class ReadAhead {
  private readonly handle: FileHandle;
  private readonly path: string;
  private readonly buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
  private turn = 0;
  private position: number;
  private inFlight: Promise<number>;

  constructor(handle: FileHandle, path: string, position: number) {
    this.handle = handle;
    this.path = path;
    this.position = position;
    this.inFlight = this.read();
  }

  private read(): Promise<number> {
    const buffer = this.buffers[this.turn] as Buffer;
    const read = this.handle.read(buffer, 0, READ_BYTES, this.position).then(
      ({ bytesRead }) => bytesRead,
      (error: unknown) => {
        throw ioError('reading input', this.path, error);
      },
    );
    read.catch(() => undefined); // awaited by next(); never an unhandled rejection meanwhile
    return read;
  }

  /** The next block (empty at the end of the file). */
  async next(): Promise<Buffer> {
    const read = await this.inFlight;
    const block = (this.buffers[this.turn] as Buffer).subarray(0, read);
    this.position += read;
    this.turn ^= 1;
    this.inFlight = read === 0 ? Promise.resolve(0) : this.read();
    return block;
  }

  /** Waits for the read still in flight (the handle must not close under it). */
  async settle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }
}

interface Gap {
  /** Position in the chunk from which source offsets are `bytes` further on. */
  at: number;
  bytes: number;
}

/** A line the general path skips: nothing but whitespace (as String.prototype.trim sees it). */
function isBlank(bytes: Buffer, start: number, end: number): boolean {
  const first = bytes[start];
  if (first === 0x7b || first === 0x5b) return false;
  let ascii = true;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c >= 0x80) ascii = false;
    else if (c !== 0x20 && (c < 0x09 || c > 0x0d)) return false;
  }
  if (ascii) return true;
  if (!isUtf8(bytes.subarray(start, end))) return false;
  return bytes.toString('utf8', start, end).trim() === '';
}
