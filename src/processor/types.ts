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

export interface QuarantineSink {
  write(dataset: string, entries: readonly QuarantineEntry[]): Promise<void>;
}
