// The local stream: the `Stream` interface over the embedded log in `<warehouse>/stream/<name>/`.
// One shard, so one total order; sequence numbers are the log offsets as zero-padded decimal strings, which sort
// the same as text and as numbers, like Kinesis's.
import { join } from 'node:path';
import { LogWriter } from './log.ts';
import type { LogWriterOptions } from './log.ts';
import { assertValidRecord } from './types.ts';
import type { PublishedRecord, PublishResult, Stream, StreamHealth, StreamRecord } from './types.ts';

export const LOCAL_SHARD_ID = 'shardId-000000000000';
const SEQUENCE_DIGITS = 20;

/** Kinesis's stream-name rule, which also keeps the name a safe directory name. */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** The directory of the local stream `name` in a warehouse. */
export function localStreamDir(warehouse: string, name: string): string {
  if (!STREAM_NAME.test(name) || name === '.' || name === '..') {
    throw new RangeError(`invalid stream name ${JSON.stringify(name)}: use 1-128 of a-z A-Z 0-9 _ . -`);
  }
  return join(warehouse, 'stream', name);
}

export function formatSequenceNumber(offset: number): string {
  return String(offset).padStart(SEQUENCE_DIGITS, '0');
}

/** The log offset of a local sequence number; throws for anything that is not one. */
export function parseSequenceNumber(sequenceNumber: string): number {
  if (!/^\d{1,20}$/.test(sequenceNumber)) throw new RangeError(`not a local sequence number: ${sequenceNumber}`);
  const n = Number(sequenceNumber);
  if (!Number.isSafeInteger(n)) throw new RangeError(`sequence number out of range: ${sequenceNumber}`);
  return n;
}

export class LocalStream implements Stream {
  readonly name: string;
  readonly dir: string;
  private readonly writer: LogWriter;

  private constructor(name: string, dir: string, writer: LogWriter) {
    this.name = name;
    this.dir = dir;
    this.writer = writer;
  }

  /** Opens the stream `name` of `warehouse` for publishing (one publishing process at a time: see LogWriter). */
  static async open(warehouse: string, name: string, options: LogWriterOptions = {}): Promise<LocalStream> {
    const dir = localStreamDir(warehouse, name);
    return new LocalStream(name, dir, await LogWriter.open(dir, options));
  }

  async publish(records: readonly StreamRecord[]): Promise<PublishResult> {
    records.forEach(assertValidRecord);
    try {
      const { firstOffset } = await this.writer.append(records);
      const out: PublishedRecord[] = records.map((_, i) => ({
        ok: true,
        sequenceNumber: formatSequenceNumber(firstOffset + i),
        shardId: LOCAL_SHARD_ID,
      }));
      return { records: out, failedCount: 0 };
    } catch (error) {
      // The write or fsync failed, so none of these records may be reported stored.
      const errorMessage = error instanceof Error ? error.message : String(error);
      const failed: PublishedRecord = { ok: false, errorCode: 'LocalLogWriteFailed', errorMessage };
      return { records: records.map(() => failed), failedCount: records.length };
    }
  }

  health(): Promise<StreamHealth> {
    const failure = this.writer.failed;
    return Promise.resolve({
      ok: failure === undefined,
      detail: {
        kind: 'local',
        stream: this.name,
        dir: this.dir,
        nextSequenceNumber: formatSequenceNumber(this.writer.nextOffset),
        ...(failure ? { error: failure.message } : {}),
      },
    });
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
