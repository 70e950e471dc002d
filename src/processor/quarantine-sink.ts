// Quarantine sinks: where the processor puts rejected records with their reasons. Both write NDJSON, one entry per
// line, in the shape of QuarantineEntry. The processor uses FileIOQuarantine (local files or S3), whose objects
// named after a stream batch make the quarantine exactly once. A write that fails rejects with an IO error naming the dataset and the
// path (the processor then fails the batch, so it is retried), never as an 'error' event nobody listens to.
import { randomUUID } from 'node:crypto';
import { boundedValue } from '../api/rejection.ts';
import { LakehouseError } from '../errors.ts';
import type { FileIO } from '../io/fileio.ts';
import { joinPath } from '../io/fileio.ts';
import type { QuarantineEntry } from '../records/pipeline.ts';
import type { QuarantineBatch, QuarantineSink } from './types.ts';

/**
 * One object per batch under `<root>/<dataset>/dt=<day>/` (S3 objects cannot be appended to): for a stream batch
 * `<shard>-<first sequence>.ndjson`, on the day its first record arrived, so a redelivery overwrites the same
 * object; else `<time>-<uuid>.ndjson`. Local writes are renamed into place whole, S3 puts are atomic.
 */
export class FileIOQuarantine implements QuarantineSink {
  private readonly io: FileIO;
  private readonly root: string;

  constructor(io: FileIO, root: string) {
    this.io = io;
    this.root = root;
  }

  async write(dataset: string, entries: readonly QuarantineEntry[], batch?: QuarantineBatch): Promise<void> {
    if (entries.length === 0) return;
    const day = new Date(batch?.arrivedAt ?? Date.now()).toISOString().slice(0, 10);
    const name = batch
      ? `${fileSafe(batch.shardId)}-${fileSafe(batch.firstSequence)}`
      : `${Date.now()}-${randomUUID()}`;
    const path = joinPath(this.root, dataset, `dt=${day}`, `${name}.ndjson`);
    const text = quarantineText(entries);
    await this.io.write(path, new TextEncoder().encode(text)).catch((error: unknown) => {
      throw writeFailed(dataset, entries.length, path, error);
    });
  }
}

/** A shard id or sequence number as part of a file name (they are word characters and dashes in Kinesis). */
function fileSafe(text: string): string {
  return text.replace(/[^\w.-]/g, '_');
}

/** The NDJSON lines of quarantine entries. */
export function quarantineText(entries: readonly QuarantineEntry[]): string {
  return entries.map(quarantineLine).join('\n') + '\n';
}

function quarantineLine(entry: QuarantineEntry): string {
  try {
    return JSON.stringify(entry, jsonSafe);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // A violation's value nests too deep to serialise (a hostile record straight from the stream): keep the
    // beginning of its JSON instead. The record itself is in `raw`, as received.
    const violations = entry.violations.map((v) => ({ ...v, actual: boundedValue(v.actual) }));
    return JSON.stringify({ ...entry, violations }, jsonSafe);
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function writeFailed(dataset: string, count: number, path: string, cause: unknown): LakehouseError {
  // FileIO's own error names the path again: report the system error under it.
  const system = cause instanceof LakehouseError && cause.cause instanceof Error ? cause.cause : cause;
  const reason = system instanceof Error ? system.message : String(system);
  return new LakehouseError(
    'IO',
    `quarantine write failed: ${count} ${dataset} entries to ${path}: ${reason}`,
    {
      dataset,
      path,
      errno: cause instanceof LakehouseError ? cause.details.errno : (cause as { code?: unknown })?.code,
    },
    { cause },
  );
}
