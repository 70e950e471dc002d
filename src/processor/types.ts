// What the processor needs from its surroundings, as small interfaces: where tables are written and where
// rejected records go. The local pipeline and the Lambda wire different adapters behind them.
import type { Contract } from '../contracts/model.ts';
import type { RecordBatch } from '../records/batch.ts';
import type { ColumnarBatch } from '../records/columns.ts';
import type { QuarantineEntry } from '../records/pipeline.ts';

export interface Checkpoint {
  /** The stream position's owner, e.g. `stream:ingest:shard-0`. */
  readonly source: string;
  /** The last stream sequence number included in the commit. */
  readonly offset: string;
}

export interface AppendResult {
  /** The snapshot that holds the rows; for a replayed checkpoint, the one that committed them the first time. */
  readonly snapshotId: string | undefined;
  /** True when the checkpoint was already committed: nothing was written this time. */
  readonly duplicate: boolean;
}

export interface TableWriter {
  /**
   * The offset `<namespace>.<table>` has committed for a checkpoint source, if any (read from the catalog now, not
   * from a cache). Commits per table and source happen in offset order, so every record at or below it is in.
   */
  committedOffset(namespace: string, table: string, contract: Contract, source: string): Promise<bigint | undefined>;
  /**
   * Appends a batch to `<namespace>.<table>`, creating the table from the contract when missing. Exactly once per
   * checkpoint: a checkpoint at or below the table's committed one for that source is a no-op.
   */
  append(
    namespace: string,
    table: string,
    contract: Contract,
    batch: RecordBatch | ColumnarBatch,
    checkpoint: Checkpoint,
  ): Promise<AppendResult>;
}

/**
 * Names the quarantine of a dataset's records in one stream batch, the same on every delivery of those records:
 * the shard, the sequence number of the first of them, and when that record reached the stream (the day partition).
 * Keyed by the first record, not the range, so a retry that Lambda splits or extends still lands on the object of
 * the batch it starts, and the rest of a split batch on objects of their own.
 */
export interface QuarantineBatch {
  readonly shardId: string;
  readonly firstSequence: string;
  /** Epoch milliseconds. */
  readonly arrivedAt: number;
}

export interface QuarantineSink {
  /**
   * Writes entries as one object. With `batch`, the object is named after it and a second write of the same batch
   * replaces it (exactly once per batch); without, it gets a new name (a one-off write, such as a producer's own
   * rejections).
   */
  write(dataset: string, entries: readonly QuarantineEntry[], batch?: QuarantineBatch): Promise<void>;
}
