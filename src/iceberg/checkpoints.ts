// Exactly-once checkpoints: where a batch came from (`source`) and how far it reached (`offset`). Every commit that
// carries one records it twice, in the same metadata file and so atomically with the data:
// - in its snapshot summary (`lakehouse.checkpoint.source` / `.offset`), readable by any Iceberg tool;
// - in the table property `lakehouse.checkpoints`, the history of the most recent CHECKPOINT_HISTORY_LIMIT sources.
// Snapshot expiry removes old snapshots and with them their summaries, but it keeps table properties: the property is
// what makes a re-delivered or re-ingested batch a no-op after `maintain --expire-older-than`.
import type { TableMetadata } from './types.ts';
import { ancestors } from './metadata.ts';

export interface Checkpoint {
  readonly source: string;
  /** Offset or sequence within the source; a batch whose offset is ≤ a committed one is a no-op. */
  readonly offset: bigint;
}

export const CHECKPOINT_SOURCE = 'lakehouse.checkpoint.source';
export const CHECKPOINT_OFFSET = 'lakehouse.checkpoint.offset';
export const CHECKPOINT_HISTORY = 'lakehouse.checkpoints';

/**
 * Sources kept in the property, most recently committed last; the oldest falls out first. A stream shard is one
 * source and a file ingested by `lakehouse ingest` is one (its sha256), so 500 covers every shard and the last 500
 * files; at ~90 bytes per entry the property stays under 50 KB of each metadata file.
 */
export const CHECKPOINT_HISTORY_LIMIT = 500;

type HistoryEntry = readonly [source: string, offset: string];

function readHistory(metadata: TableMetadata): HistoryEntry[] {
  const text = metadata.properties[CHECKPOINT_HISTORY];
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return []; // written by hand or by another tool: the snapshot summaries still count
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (e): e is HistoryEntry =>
      Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string' && /^-?\d+$/.test(e[1]),
  );
}

/** The highest committed offset for a source: the table property, then the current snapshot's ancestry. */
export function committedCheckpoint(metadata: TableMetadata, source: string): bigint | undefined {
  let best: bigint | undefined;
  for (const [s, offset] of readHistory(metadata)) if (s === source) best = BigInt(offset);
  for (const snapshot of ancestors(metadata)) {
    if (snapshot.summary[CHECKPOINT_SOURCE] !== source) continue;
    const offset = BigInt(snapshot.summary[CHECKPOINT_OFFSET] ?? '-1');
    if (best === undefined || offset > best) best = offset;
    break; // the newest in the ancestry is the highest: offsets only move forward
  }
  return best;
}

/** The metadata with `checkpoint` recorded in the history property (moved to the newest end, bounded). */
export function withCheckpoint(
  metadata: TableMetadata,
  checkpoint: Checkpoint,
  limit = CHECKPOINT_HISTORY_LIMIT,
): TableMetadata {
  const previous = committedCheckpoint(metadata, checkpoint.source);
  const offset = previous !== undefined && previous > checkpoint.offset ? previous : checkpoint.offset;
  const history = [
    ...readHistory(metadata).filter(([s]) => s !== checkpoint.source),
    [checkpoint.source, offset.toString()] as const,
  ].slice(-limit);
  return { ...metadata, properties: { ...metadata.properties, [CHECKPOINT_HISTORY]: JSON.stringify(history) } };
}
