// The embedded durable log behind the local stream: a directory of append-only segment files.
//
//   <dir>/00000000000000000000.seg   segments, named by the offset of their first record (see frame.ts for framing)
//   <dir>/head                       the committed high-water mark: every offset below it is fsynced
//   <dir>/writer.lock                the pid of the one process allowed to append
//
// One writer process (LogWriter) and any number of reader processes (LogReader) may use a log at the same time.
// The writer batches concurrent appends into one write + fdatasync (group commit), and only then advances `head`;
// readers never read past `head`, so they never see a record that a crash could still take back, and a torn tail
// that recovery truncates was never visible to anyone.
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { decodeFrame, frameSize, writeFrame } from './frame.ts';
import { acquirePidLock, releasePidLock, type PidLock } from './pid-lock.ts';
import type { FrameRecord } from './frame.ts';

const SEGMENT_SUFFIX = '.seg';
const HEAD_FILE = 'head';
const LOCK_FILE = 'writer.lock';
const HEAD_BYTES = 12;
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const MAX_GROUP_BYTES = 16 * 1024 * 1024;

export class LogLockedError extends Error {
  override readonly name = 'LogLockedError';
}

export class LogCorruptError extends Error {
  override readonly name = 'LogCorruptError';
}

export interface AppendRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export interface AppendResult {
  /** The offset of the first record; the others follow consecutively. */
  readonly firstOffset: number;
  readonly timestampMs: number;
}

export interface LogWriterOptions {
  /** A segment is closed once it reaches this size (a single group may overshoot it). Default 64 MiB. */
  readonly segmentBytes?: number;
}

function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

/** The base offsets of the segments in `dir`, ascending. */
async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names
    .filter((n) => n.endsWith(SEGMENT_SUFFIX) && /^\d{20}\.seg$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
}

function encodeHead(nextOffset: number): Buffer {
  const buf = Buffer.alloc(HEAD_BYTES);
  buf.writeUInt32LE(Math.floor(nextOffset / 0x1_0000_0000), 0);
  buf.writeUInt32LE(nextOffset >>> 0, 4);
  buf.writeUInt32LE(crc32(buf.subarray(0, 8)), 8);
  return buf;
}

function decodeHead(buf: Buffer): number | undefined {
  if (buf.length < HEAD_BYTES || crc32(buf.subarray(0, 8)) !== buf.readUInt32LE(8)) return undefined;
  return buf.readUInt32LE(0) * 0x1_0000_0000 + buf.readUInt32LE(4);
}

/**
 * Opens a file for positional writes, creating it if needed. Not 'a+': with O_APPEND Linux ignores the position of
 * a write, and the writer must decide where its bytes go.
 */
async function openForWriting(path: string): Promise<FileHandle> {
  await (await open(path, 'a')).close();
  return open(path, 'r+');
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Takes the single-writer lock; a lock left by a dead process is taken over. */
async function acquireLock(dir: string): Promise<PidLock> {
  const path = join(dir, LOCK_FILE);
  return acquirePidLock(path, (owner) =>
    owner
      ? new LogLockedError(`stream log ${dir} is already open for writing by process ${owner} (${path})`)
      : new LogLockedError(`could not take the writer lock ${path}`),
  );
}

/** Scans a segment from its start; returns the valid records' end position and the next offset. */
function scanSegment(buf: Buffer, base: number): { end: number; nextOffset: number; stopReason?: string } {
  let pos = 0;
  let expected = base;
  while (pos < buf.length) {
    const result = decodeFrame(buf, pos);
    if (result.kind === 'incomplete')
      return { end: pos, nextOffset: expected, stopReason: 'torn frame at end of file' };
    if (result.kind === 'corrupt') return { end: pos, nextOffset: expected, stopReason: result.reason };
    if (result.record.offset !== expected) {
      return { end: pos, nextOffset: expected, stopReason: `offset ${result.record.offset}, expected ${expected}` };
    }
    expected++;
    pos = result.next;
  }
  return { end: pos, nextOffset: expected };
}

/**
 * Retention: deletes the segments whose records all lie below `offset` (never the last segment, which the writer
 * appends to). Safe while a writer and readers run: the writer only touches the last segment, and a reader that has
 * a deleted segment open keeps reading it. Returns the number of segments deleted.
 */
export async function deleteSegmentsBelow(dir: string, offset: number): Promise<number> {
  const bases = await listSegments(dir);
  let deleted = 0;
  for (let i = 0; i + 1 < bases.length; i++) {
    // Segment i holds offsets [bases[i], bases[i + 1]).
    if ((bases[i + 1] as number) > offset) break;
    await unlink(join(dir, segmentName(bases[i] as number)));
    deleted++;
  }
  if (deleted > 0) await fsyncDir(dir);
  return deleted;
}

interface PendingAppend {
  readonly records: readonly AppendRecord[];
  /** Payload bytes, to bound the size of one group's buffer. */
  readonly bytes: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

export class LogWriter {
  readonly dir: string;
  private readonly segmentBytes: number;
  private readonly lock: PidLock;
  private segment: FileHandle;
  private segmentSize: number;
  private readonly head: FileHandle;
  private next: number;
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    dir: string,
    segmentBytes: number,
    lock: PidLock,
    segment: FileHandle,
    segmentSize: number,
    head: FileHandle,
    next: number,
  ) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.lock = lock;
    this.segment = segment;
    this.segmentSize = segmentSize;
    this.head = head;
    this.next = next;
  }

  /**
   * Opens (creating if needed) the log in `dir` for appending: takes the writer lock, then recovers — the last
   * segment is scanned and anything after its last whole, CRC-valid, consecutive frame (a torn write) is cut off.
   */
  static async open(dir: string, options: LogWriterOptions = {}): Promise<LogWriter> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isInteger(segmentBytes) || segmentBytes < 1024) {
      throw new RangeError(`segmentBytes must be an integer of at least 1024, got ${segmentBytes}`);
    }
    await mkdir(dir, { recursive: true });
    const lock = await acquireLock(dir);
    try {
      const bases = await listSegments(dir);
      const base = bases.at(-1) ?? 0;
      const path = join(dir, segmentName(base));
      const segment = await openForWriting(path);
      let size: number;
      let next: number;
      try {
        const contents = await readFile(path);
        const scan = scanSegment(contents, base);
        if (scan.end < contents.length) await segment.truncate(scan.end);
        // Whole frames a crashed writer wrote but never synced are kept, so make them durable before `head` says so.
        await segment.datasync();
        if (bases.length === 0) await fsyncDir(dir);
        size = scan.end;
        next = scan.nextOffset;
      } catch (error) {
        await segment.close();
        throw error;
      }
      const head = await openForWriting(join(dir, HEAD_FILE));
      await head.write(encodeHead(next), 0, HEAD_BYTES, 0);
      await head.datasync();
      return new LogWriter(dir, segmentBytes, lock, segment, size, head, next);
    } catch (error) {
      await releasePidLock(lock);
      throw error;
    }
  }

  /** The offset the next appended record will get. */
  get nextOffset(): number {
    return this.next;
  }

  /** Set once a write or fsync failed: the file's state is then unknown, so the writer refuses further appends. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Appends the records and resolves once they are fsynced, with the first record's offset. Concurrent calls are
   * written together (one write, one fdatasync); the records of one call are consecutive and never split.
   */
  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error(`stream log ${this.dir} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    if (records.length === 0) return Promise.resolve({ firstOffset: this.next, timestampMs: Date.now() });
    return new Promise<AppendResult>((resolve, reject) => {
      let bytes = 0;
      for (const r of records) bytes += r.data.byteLength + r.partitionKey.length;
      this.pending.push({ records, bytes, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        // Everything waiting goes in one write, up to a bound on the buffer (at least one append per group).
        let take = 0;
        let bytes = 0;
        while (take < this.pending.length && (take === 0 || bytes < MAX_GROUP_BYTES)) {
          bytes += (this.pending[take] as PendingAppend).bytes;
          take++;
        }
        const group = this.pending.splice(0, take);
        if (this.failure) {
          for (const p of group) p.reject(this.failure);
          continue;
        }
        try {
          const results = await this.writeGroup(group);
          group.forEach((p, i) => p.resolve(results[i] as AppendResult));
        } catch (error) {
          this.failure = error instanceof Error ? error : new Error(String(error));
          for (const p of group) p.reject(this.failure);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeGroup(group: readonly PendingAppend[]): Promise<AppendResult[]> {
    const keys: Buffer[][] = [];
    let total = 0;
    for (const p of group) {
      const k = p.records.map((r) => Buffer.from(r.partitionKey, 'utf8'));
      keys.push(k);
      p.records.forEach((r, i) => (total += frameSize((k[i] as Buffer).length, r.data.byteLength)));
    }
    if (this.segmentSize > 0 && this.segmentSize + total > this.segmentBytes) await this.rotate();
    const buf = Buffer.allocUnsafe(total);
    const timestampMs = Date.now();
    let pos = 0;
    let offset = this.next;
    const results: AppendResult[] = [];
    group.forEach((p, g) => {
      results.push({ firstOffset: offset, timestampMs });
      const k = keys[g] as Buffer[];
      p.records.forEach((r, i) => {
        pos = writeFrame(buf, pos, offset++, timestampMs, k[i] as Buffer, r.data);
      });
    });
    let written = 0;
    while (written < total) {
      const { bytesWritten } = await this.segment.write(buf, written, total - written, this.segmentSize + written);
      written += bytesWritten;
    }
    await this.segment.datasync();
    this.segmentSize += total;
    this.next = offset;
    // Published after the data is durable, so `head` never runs ahead of what a crash keeps.
    await this.head.write(encodeHead(this.next), 0, HEAD_BYTES, 0);
    return results;
  }

  private async rotate(): Promise<void> {
    const fh = await openForWriting(join(this.dir, segmentName(this.next)));
    await fsyncDir(this.dir);
    await this.segment.close();
    this.segment = fh;
    this.segmentSize = 0;
  }

  /** Waits for pending appends, then closes the files and releases the writer lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.segment.close();
    await this.head.close();
    await releasePidLock(this.lock);
  }
}

/** A record read from the log. `data` is a view into a buffer owned by this record alone. */
export type LogEntry = FrameRecord;

interface Cursor {
  readonly base: number;
  readonly fh: FileHandle;
  pos: number;
  offset: number;
}

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a log that a writer (maybe in another process) is appending to. Reads only below the committed `head`.
 * Keeps an open cursor, so reading on from where the last `read` stopped costs no seek.
 */
export class LogReader {
  readonly dir: string;
  private cursor: Cursor | undefined;
  private head: FileHandle | undefined;
  private lastHead = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Every offset below this is durable and readable. 0 for a log that does not exist yet. */
  async committedOffset(): Promise<number> {
    if (!this.head) {
      try {
        this.head = await open(join(this.dir, HEAD_FILE), 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
    }
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await this.head.read(buf, 0, HEAD_BYTES, 0);
    // A head caught mid-write (or not yet written) fails its CRC; the last good value is still true, since the
    // head only moves forward.
    const value = bytesRead === HEAD_BYTES ? decodeHead(buf) : undefined;
    if (value !== undefined) this.lastHead = value;
    return this.lastHead;
  }

  /** Up to `maxRecords` records (and about `maxBytes` of data) from `fromOffset` on, stopping at the committed head. */
  async read(fromOffset: number, maxRecords: number, maxBytes = 16 * 1024 * 1024): Promise<LogEntry[]> {
    if (!Number.isInteger(fromOffset) || fromOffset < 0) throw new RangeError(`invalid offset ${fromOffset}`);
    const committed = await this.committedOffset();
    if (fromOffset >= committed || maxRecords <= 0) return [];
    let cursor = await this.seek(fromOffset);
    const out: LogEntry[] = [];
    let bytes = 0;
    let want = READ_CHUNK_BYTES;
    while (cursor.offset < committed && out.length < maxRecords && bytes < maxBytes) {
      // A fresh buffer per read: the records handed out are views into it.
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await cursor.fh.read(chunk, 0, want, cursor.pos);
      if (bytesRead === 0) {
        cursor = await this.nextSegment(cursor);
        continue;
      }
      const view = chunk.subarray(0, bytesRead);
      let p = 0;
      let needed = 0;
      while (cursor.offset < committed && out.length < maxRecords && bytes < maxBytes) {
        const r = decodeFrame(view, p);
        if (r.kind === 'corrupt') {
          throw new LogCorruptError(
            `${this.dir}: corrupt frame below the committed head at offset ${cursor.offset}: ${r.reason}`,
          );
        }
        if (r.kind === 'incomplete') {
          needed = r.needed;
          break;
        }
        if (r.record.offset !== cursor.offset) {
          throw new LogCorruptError(`${this.dir}: found offset ${r.record.offset} where ${cursor.offset} was expected`);
        }
        out.push(r.record);
        bytes += r.record.data.byteLength;
        cursor.offset++;
        p = r.next;
      }
      cursor.pos += p;
      if (p === 0 && needed > 0) {
        // No whole frame in the chunk: a frame larger than the chunk (read more), or the file ends inside a frame
        // that the head says is committed, which only damage to the file can cause.
        if (bytesRead < want) {
          throw new LogCorruptError(`${this.dir}: committed offset ${cursor.offset} is cut short on disk`);
        }
        want = Math.max(needed, want * 2);
      }
    }
    return out;
  }

  private async nextSegment(cursor: Cursor): Promise<Cursor> {
    const bases = await listSegments(this.dir);
    if (!bases.includes(cursor.offset)) {
      throw new LogCorruptError(`${this.dir}: offset ${cursor.offset} is below the head but in no segment`);
    }
    await this.closeCursor();
    const fh = await open(join(this.dir, segmentName(cursor.offset)), 'r');
    this.cursor = { base: cursor.offset, fh, pos: 0, offset: cursor.offset };
    return this.cursor;
  }

  /** Positions the cursor at `offset`: free when reading on, otherwise a scan of the segment that holds it. */
  private async seek(offset: number): Promise<Cursor> {
    if (this.cursor && this.cursor.offset === offset) return this.cursor;
    await this.closeCursor();
    const bases = await listSegments(this.dir);
    const base = bases.filter((b) => b <= offset).at(-1);
    if (base === undefined) {
      const oldest = bases[0];
      throw new LogCorruptError(
        oldest === undefined
          ? `${this.dir}: no segment holds offset ${offset}`
          : `${this.dir}: offset ${offset} was deleted by retention; the oldest kept offset is ${oldest}`,
      );
    }
    const path = join(this.dir, segmentName(base));
    const contents = await readFile(path);
    let pos = 0;
    for (let at = base; at < offset; at++) {
      const r = decodeFrame(contents, pos);
      if (r.kind !== 'record' || r.record.offset !== at) {
        throw new LogCorruptError(`${this.dir}: cannot find offset ${offset} in ${path} (stopped at ${at})`);
      }
      pos = r.next;
    }
    // At the end of the segment `pos` is its length, and the first read moves on to the next segment.
    this.cursor = { base, fh: await open(path, 'r'), pos, offset };
    return this.cursor;
  }

  private async closeCursor(): Promise<void> {
    const c = this.cursor;
    this.cursor = undefined;
    if (c) await c.fh.close();
  }

  async close(): Promise<void> {
    await this.closeCursor();
    const h = this.head;
    this.head = undefined;
    if (h) await h.close();
  }
}
