// The local stand-in for a Lambda event source mapping on Kinesis: reads the local log in batches (a size and a
// batching window), hands each batch to a `BatchHandler` with the ReportBatchItemFailures contract, retries from
// the first failed record at most `maxRetries` times, then dead-letters the failed records and moves on, and
// checkpoints durably after every handled batch. Delivery is at-least-once: after a crash the batch in flight is
// delivered again, so handlers must be idempotent (the processor is, through its Iceberg checkpoint). The batch in
// flight is recorded before the handler sees it, and after a crash exactly that batch comes again, however many
// records have arrived since: a handler that recognises a batch by its last sequence number (the processor's
// checkpoint) then sees the same batch, never a larger one that would mix committed records with new ones.
//
//   <warehouse>/stream/<name>/checkpoint-<consumer>.json   next offset to deliver, and the end of the batch in
//                                                            flight if any (atomic rename, fsynced)
//   <warehouse>/stream/<name>/dead-letter.ndjson            one JSON line per record given up on
import { appendFile, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deleteSegmentsBelow, LogReader } from './log.ts';
import type { LogEntry } from './log.ts';
import { formatSequenceNumber, LOCAL_SHARD_ID, localStreamDir } from './local.ts';
import type { BatchHandler, ConsumedRecord } from './types.ts';

export interface ConsumerOptions {
  readonly warehouse: string;
  readonly stream: string;
  readonly handler: BatchHandler;
  /** Names the checkpoint, so independent consumers of one stream keep their own position. Default `processor`. */
  readonly consumerName?: string;
  /** Most records per batch (Lambda's BatchSize). Default 500. */
  readonly batchSize?: number;
  /** How long to wait for a batch to fill once it has a record (Lambda's MaximumBatchingWindowInSeconds). Default 200 ms. */
  readonly maxBatchingWindowMs?: number;
  /** Retries of a failing batch before its failed records are dead-lettered (Lambda's MaximumRetryAttempts). Default 3. */
  readonly maxRetries?: number;
  /** First retry delay; doubles per retry, with jitter. Default 100 ms. */
  readonly retryDelayMs?: number;
  /** How often an idle consumer looks for new records. Default 20 ms. */
  readonly pollIntervalMs?: number;
  /** Where to start without a checkpoint: the oldest record or only records appended from now on. Default oldest. */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /**
   * Delete segments once this consumer has checkpointed past them. Only for a stream with this one consumer (the
   * local processor); off by default, so the log keeps everything.
   */
  readonly deleteConsumedSegments?: boolean;
}

/** What happened to one batch. */
export interface BatchOutcome {
  readonly firstSequenceNumber: string;
  readonly records: number;
  /** Handler calls for this batch (1 when it succeeded at once). */
  readonly attempts: number;
  readonly deadLettered: number;
  /** The checkpoint after the batch: the next offset to deliver. */
  readonly nextOffset: number;
}

export interface DeadLetterEntry {
  readonly consumer: string;
  readonly stream: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly approximateArrivalTimestamp: string;
  /** The record's data, base64. */
  readonly data: string;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
}

interface Checkpoint {
  readonly consumer: string;
  readonly nextOffset: number;
  readonly nextSequenceNumber: string;
  /** While a batch is being handled: where it ends (exclusive). It starts at `nextOffset`. */
  readonly inFlightEndOffset?: number;
  readonly updatedAt: string;
}

const CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}

function toConsumed(entry: LogEntry): ConsumedRecord {
  return {
    sequenceNumber: formatSequenceNumber(entry.offset),
    shardId: LOCAL_SHARD_ID,
    partitionKey: entry.partitionKey,
    data: entry.data,
    approximateArrivalTimestamp: entry.timestampMs,
  };
}

/** Writes `contents` to `path` so that a crash leaves either the old file or the new one, never a mix. */
export async function writeFileAtomic(path: string, contents: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(contents);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export class Consumer {
  readonly dir: string;
  readonly consumerName: string;
  readonly checkpointPath: string;
  readonly deadLetterPath: string;
  private readonly options: ConsumerOptions;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly pollMs: number;
  private readonly reader: LogReader;
  private next = 0;
  /** The end of a batch that was in flight when the last process stopped: the first batch delivered again. */
  private replayEnd: number | undefined;
  private started = false;
  private stopping = false;

  constructor(options: ConsumerOptions) {
    this.options = options;
    this.dir = localStreamDir(options.warehouse, options.stream);
    this.consumerName = options.consumerName ?? 'processor';
    if (!CONSUMER_NAME.test(this.consumerName)) {
      throw new RangeError(`invalid consumer name ${JSON.stringify(this.consumerName)}: use a-z A-Z 0-9 _ . -`);
    }
    this.batchSize = positiveInt('batchSize', options.batchSize ?? 500, 1);
    this.windowMs = positiveInt('maxBatchingWindowMs', options.maxBatchingWindowMs ?? 200, 0);
    this.maxRetries = positiveInt('maxRetries', options.maxRetries ?? 3, 0);
    this.retryDelayMs = positiveInt('retryDelayMs', options.retryDelayMs ?? 100, 0);
    this.pollMs = positiveInt('pollIntervalMs', options.pollIntervalMs ?? 20, 1);
    this.checkpointPath = join(this.dir, `checkpoint-${this.consumerName}.json`);
    this.deadLetterPath = join(this.dir, 'dead-letter.ndjson');
    this.reader = new LogReader(this.dir);
  }

  /** The next offset this consumer will deliver (its checkpoint once started). */
  get position(): number {
    return this.next;
  }

  /** Loads the checkpoint (or applies `startingPosition`). Called by `poll`/`run` if not called first. */
  async start(): Promise<void> {
    if (this.started) return;
    await mkdir(this.dir, { recursive: true });
    let raw: string | undefined;
    try {
      raw = await readFile(this.checkpointPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (raw !== undefined) {
      const parsed = JSON.parse(raw) as Partial<Checkpoint>;
      if (typeof parsed.nextOffset !== 'number' || !Number.isSafeInteger(parsed.nextOffset) || parsed.nextOffset < 0) {
        throw new Error(`checkpoint ${this.checkpointPath} has no valid nextOffset`);
      }
      this.next = parsed.nextOffset;
      const end = parsed.inFlightEndOffset;
      if (typeof end === 'number' && Number.isSafeInteger(end) && end > this.next) this.replayEnd = end;
    } else {
      this.next = this.options.startingPosition === 'LATEST' ? await this.reader.committedOffset() : 0;
    }
    this.started = true;
  }

  /** How many committed records this consumer has not handled yet. */
  async lag(): Promise<number> {
    await this.start();
    return Math.max(0, (await this.reader.committedOffset()) - this.next);
  }

  /**
   * Handles at most one batch: returns undefined at once if nothing is waiting, otherwise waits up to the batching
   * window for the batch to fill, then delivers it (with retries and dead-lettering) and checkpoints.
   */
  async poll(): Promise<BatchOutcome | undefined> {
    await this.start();
    if (this.replayEnd !== undefined) return this.replay(this.replayEnd);
    let entries = await this.reader.read(this.next, this.batchSize);
    if (entries.length === 0) {
      const committed = await this.reader.committedOffset();
      if (this.next > committed) {
        // Only a log that was deleted and recreated can be shorter than a checkpoint; waiting would hang forever.
        throw new Error(
          `checkpoint ${this.checkpointPath} is at offset ${this.next} but the stream ends at ${committed}: ` +
            'the log was reset; delete the checkpoint to consume it from the start',
        );
      }
      return undefined;
    }
    const deadline = Date.now() + this.windowMs;
    while (entries.length < this.batchSize && Date.now() < deadline && !this.stopping) {
      await sleep(Math.min(this.pollMs, Math.max(1, deadline - Date.now())));
      const more = await this.reader.read(this.next + entries.length, this.batchSize - entries.length);
      entries = entries.concat(more);
    }
    return this.deliver(entries.map(toConsumed));
  }

  /** Polls until `stop()` (or the signal) — the long-running loop of `lakehouse serve`'s processor. */
  async run(signal?: AbortSignal): Promise<void> {
    await this.start();
    this.stopping = false;
    const onAbort = (): void => this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!this.stopping) {
        const outcome = await this.poll();
        if (!outcome) await sleep(this.pollMs);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Handles batches until the consumer has caught up with everything committed when it was called. */
  async drain(): Promise<BatchOutcome[]> {
    await this.start();
    const target = await this.reader.committedOffset();
    const outcomes: BatchOutcome[] = [];
    while (this.next < target && !this.stopping) {
      const outcome = await this.poll();
      if (outcome) outcomes.push(outcome);
    }
    return outcomes;
  }

  /** Makes `run` return after the batch in hand. */
  stop(): void {
    this.stopping = true;
  }

  async close(): Promise<void> {
    this.stop();
    await this.reader.close();
  }

  /** Delivers again, whole and alone, the batch that was in flight when the last process stopped. */
  private async replay(end: number): Promise<BatchOutcome> {
    let entries: LogEntry[] = [];
    while (this.next + entries.length < end) {
      const more = await this.reader.read(this.next + entries.length, end - this.next - entries.length);
      if (more.length === 0)
        throw new Error(
          `checkpoint ${this.checkpointPath} has a batch in flight up to offset ${end} past the stream end`,
        );
      entries = entries.concat(more);
    }
    this.replayEnd = undefined;
    return this.deliver(entries.map(toConsumed));
  }

  private async deliver(batch: readonly ConsumedRecord[]): Promise<BatchOutcome> {
    const first = batch[0] as ConsumedRecord;
    const startOffset = this.next;
    const endOffset = startOffset + batch.length;
    await this.checkpoint(startOffset, endOffset);
    let remaining = batch;
    let attempts = 0;
    for (;;) {
      attempts++;
      let failedFrom: number;
      let failedIds: ReadonlySet<string>;
      let error: string;
      try {
        const response = await this.options.handler(remaining);
        const ids = response.batchItemFailures.map((f) => f.itemIdentifier);
        if (ids.length === 0) break;
        const index = new Map(remaining.map((r, i) => [r.sequenceNumber, i]));
        const positions = ids.map((id) => index.get(id) ?? -1);
        if (positions.some((p) => p < 0)) {
          // As Lambda does: an identifier that is not in the batch fails the whole batch.
          failedFrom = 0;
          failedIds = new Set(remaining.map((r) => r.sequenceNumber));
          error = `handler reported item identifiers not in the batch: ${ids.filter((_, i) => (positions[i] as number) < 0).join(', ')}`;
        } else {
          failedFrom = Math.min(...positions);
          failedIds = new Set(ids);
          error = 'reported in batchItemFailures by the handler';
        }
      } catch (thrown) {
        failedFrom = 0;
        failedIds = new Set(remaining.map((r) => r.sequenceNumber));
        error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
      }
      // Records before the first failure are done: checkpoint them, as Lambda does before it retries.
      if (failedFrom > 0)
        await this.checkpoint(startOffset + (batch.length - remaining.length) + failedFrom, endOffset);
      remaining = remaining.slice(failedFrom);
      if (attempts > this.maxRetries) {
        const dead = remaining.filter((r) => failedIds.has(r.sequenceNumber));
        await this.deadLetter(dead, error, attempts);
        await this.checkpoint(endOffset);
        return {
          firstSequenceNumber: first.sequenceNumber,
          records: batch.length,
          attempts,
          deadLettered: dead.length,
          nextOffset: endOffset,
        };
      }
      const delay = this.retryDelayMs * 2 ** (attempts - 1);
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
    await this.checkpoint(endOffset);
    return {
      firstSequenceNumber: first.sequenceNumber,
      records: batch.length,
      attempts,
      deadLettered: 0,
      nextOffset: endOffset,
    };
  }

  private async deadLetter(records: readonly ConsumedRecord[], error: string, attempts: number): Promise<void> {
    if (records.length === 0) return;
    const failedAt = new Date().toISOString();
    const lines = records.map((r) => {
      const entry: DeadLetterEntry = {
        consumer: this.consumerName,
        stream: this.options.stream,
        shardId: r.shardId,
        sequenceNumber: r.sequenceNumber,
        partitionKey: r.partitionKey,
        approximateArrivalTimestamp: new Date(r.approximateArrivalTimestamp).toISOString(),
        data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
        error,
        attempts,
        failedAt,
      };
      return `${JSON.stringify(entry)}\n`;
    });
    await appendFile(this.deadLetterPath, lines.join(''), { flush: true });
  }

  /** Records the next offset to deliver, and with `inFlightEnd` the batch [nextOffset, inFlightEnd) being handled. */
  private async checkpoint(nextOffset: number, inFlightEnd?: number): Promise<void> {
    const checkpoint: Checkpoint = {
      consumer: this.consumerName,
      nextOffset,
      nextSequenceNumber: formatSequenceNumber(nextOffset),
      ...(inFlightEnd !== undefined ? { inFlightEndOffset: inFlightEnd } : {}),
      updatedAt: new Date().toISOString(),
    };
    await writeFileAtomic(this.checkpointPath, `${JSON.stringify(checkpoint)}\n`);
    this.next = nextOffset;
    if (this.options.deleteConsumedSegments) await deleteSegmentsBelow(this.dir, nextOffset);
  }
}

/** Reads the dead-letter file of a local stream (empty if none). */
export async function readDeadLetters(warehouse: string, stream: string): Promise<DeadLetterEntry[]> {
  try {
    const text = await readFile(join(localStreamDir(warehouse, stream), 'dead-letter.ndjson'), 'utf8');
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as DeadLetterEntry);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
