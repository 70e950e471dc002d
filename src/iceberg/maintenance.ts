// Table maintenance: compaction (small files rewritten into target-size files in a `replace` snapshot), snapshot
// expiry (with the manifest lists, manifests and data files that only expired snapshots reference), and removal of
// orphan files (left by failed or killed writers) that no metadata references.
import { LakehouseError } from '../errors.ts';
import { createLogger } from '../log.ts';
import type { Normalised } from '../records/values.ts';
import { commitWithRetry, type CommitOptions } from './commit.ts';
import { readManifest, readManifestList } from './manifest.ts';
import { currentSnapshot, withMetadataLog } from './metadata.ts';
import { readDataFile } from './reader.ts';
import { currentSchema, fieldsOfSchema } from './schema.ts';
import { liveFiles, SnapshotProducer } from './snapshot.ts';
import { partitionKey, type Table } from './table.ts';
import { STATUS_DELETED, type DataFile, type Snapshot, type TableMetadata } from './types.ts';
import { writeColumns } from './writer.ts';

const log = createLogger('iceberg.maintenance');

export interface CompactOptions extends CommitOptions {
  /** Files below this size are candidates (default 32 MiB). */
  readonly smallFileBytes?: number;
  /** Size to aim for (default 128 MiB); rows per output file are estimated from the input's bytes per row. */
  readonly targetFileBytes?: number;
  /** A partition is compacted only when it has at least this many small files (default 2). */
  readonly minInputFiles?: number;
}

export interface CompactResult {
  readonly snapshotId: bigint | undefined;
  readonly rewrittenFiles: number;
  readonly addedFiles: number;
  readonly records: bigint;
}

export async function compact(table: Table, options: CompactOptions = {}): Promise<CompactResult> {
  await table.refresh();
  const io = table.catalog.io;
  const small = options.smallFileBytes ?? 32 * 1024 * 1024;
  const target = options.targetFileBytes ?? 128 * 1024 * 1024;
  const minInputs = options.minInputFiles ?? 2;
  const groups = new Map<string, DataFile[]>();
  for (const { entry } of await liveFiles(io, table.metadata)) {
    if (entry.dataFile.fileSizeInBytes >= BigInt(small)) continue;
    const key = partitionKey(entry.dataFile);
    groups.set(key, [...(groups.get(key) ?? []), entry.dataFile]);
  }
  const inputs = [...groups.values()].filter((g) => g.length >= minInputs).flat();
  if (inputs.length === 0) return { snapshotId: undefined, rewrittenFiles: 0, addedFiles: 0, records: 0n };

  const metadata = table.metadata;
  const fields = fieldsOfSchema(currentSchema(metadata));
  const added: DataFile[] = [];
  for (const group of [...groups.values()].filter((g) => g.length >= minInputs)) {
    const columns = new Map<string, Normalised[]>(fields.map((f) => [f.name, []]));
    let rows = 0;
    let bytes = 0n;
    for (const file of group) {
      const read = await readDataFile(await io.read(file.filePath), fields);
      for (const [name, values] of read.columns) (columns.get(name) as Normalised[]).push(...values);
      rows += read.rows;
      bytes += file.fileSizeInBytes;
    }
    const bytesPerRow = rows ? Number(bytes) / rows : 1;
    const maxRowsPerFile = Math.max(1, Math.floor(target / Math.max(bytesPerRow, 1)));
    added.push(...(await writeColumns(io, metadata, fields, columns, rows, { maxRowsPerFile })));
  }
  const doomed = new Set(inputs.map((f) => f.filePath));
  const producer = new SnapshotProducer(io, {
    operation: 'replace',
    added,
    deletes: (f) => doomed.has(f.filePath),
    requireLive: doomed,
  });
  try {
    const committed = await commitWithRetry(
      table.catalog,
      table.identifier,
      async (base) => {
        const produced = await producer.produce(base.metadata, base.metadataLocation);
        return { metadata: produced.metadata, result: produced.snapshotId, attemptFiles: produced.attemptFiles };
      },
      options,
    );
    await table.refresh();
    const records = added.reduce((n, f) => n + f.recordCount, 0n);
    log.info(
      { table: table.name, snapshotId: committed.result.toString(), rewritten: inputs.length, added: added.length },
      'compacted',
    );
    return { snapshotId: committed.result, rewrittenFiles: inputs.length, addedFiles: added.length, records };
  } catch (error) {
    for (const f of [...added.map((a) => a.filePath), ...producer.sharedFiles])
      await io.delete(f).catch(() => undefined);
    throw error;
  }
}

export interface ExpireOptions extends CommitOptions {
  /** Snapshots older than this (epoch ms) are expired … */
  readonly olderThanMs: number;
  /** … except the most recent `retainLast` of the current ancestry (default 1; the current one always stays). */
  readonly retainLast?: number;
}

export interface ExpireResult {
  readonly expiredSnapshots: string[];
  readonly deletedFiles: string[];
}

async function referencedBy(
  table: Table,
  snapshots: readonly Snapshot[],
): Promise<{ lists: Set<string>; manifests: Set<string>; live: Set<string>; all: Set<string> }> {
  const io = table.catalog.io;
  const lists = new Set<string>();
  const manifests = new Set<string>();
  const live = new Set<string>();
  const all = new Set<string>();
  const seenManifests = new Set<string>();
  for (const snapshot of snapshots) {
    lists.add(snapshot['manifest-list']);
    for (const manifest of readManifestList(await io.read(snapshot['manifest-list']), snapshot['manifest-list'])) {
      manifests.add(manifest.manifestPath);
      if (seenManifests.has(manifest.manifestPath)) continue;
      seenManifests.add(manifest.manifestPath);
      for (const entry of readManifest(await io.read(manifest.manifestPath), manifest)) {
        all.add(entry.dataFile.filePath);
        if (entry.status !== STATUS_DELETED) live.add(entry.dataFile.filePath);
      }
    }
  }
  return { lists, manifests, live, all };
}

export async function expireSnapshots(table: Table, options: ExpireOptions): Promise<ExpireResult> {
  const retain = Math.max(1, options.retainLast ?? 1);
  const committed = await commitWithRetry(
    table.catalog,
    table.identifier,
    async (base) => {
      const m = base.metadata;
      const keep = new Set<bigint>();
      const current = currentSnapshot(m);
      let walk = current;
      const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s]));
      for (let i = 0; walk && i < retain; i++) {
        keep.add(walk['snapshot-id']);
        walk = walk['parent-snapshot-id'] === undefined ? undefined : byId.get(walk['parent-snapshot-id']);
      }
      for (const ref of Object.values(m.refs ?? {})) keep.add(ref['snapshot-id']);
      const expired = m.snapshots.filter((s) => !keep.has(s['snapshot-id']) && s['timestamp-ms'] < options.olderThanMs);
      if (expired.length === 0) return { result: { expired: [] as Snapshot[], retained: m.snapshots } };
      const gone = new Set(expired.map((s) => s['snapshot-id']));
      const retained = m.snapshots.filter((s) => !gone.has(s['snapshot-id']));
      const metadata: TableMetadata = {
        ...m,
        'last-updated-ms': Date.now(),
        snapshots: retained,
        'snapshot-log': m['snapshot-log'].filter((e) => !gone.has(e['snapshot-id'])),
        'metadata-log': withMetadataLog(m, base.metadataLocation),
      };
      return { metadata, result: { expired, retained } };
    },
    options,
  );
  await table.refresh();
  const { expired, retained } = committed.result;
  if (expired.length === 0) return { expiredSnapshots: [], deletedFiles: [] };
  // Only after the commit: files reachable from expired snapshots and from no retained one.
  const before = await referencedBy(table, expired);
  const after = await referencedBy(table, retained);
  const doomed = [
    // A file that no retained snapshot reads (live there) is garbage, even if a retained manifest still lists it
    // as DELETED.
    ...[...before.all].filter((p) => !after.live.has(p)),
    ...[...before.manifests].filter((p) => !after.manifests.has(p)),
    ...[...before.lists].filter((p) => !after.lists.has(p)),
  ];
  for (const path of doomed) await table.catalog.io.delete(path);
  log.info({ table: table.name, expired: expired.length, deletedFiles: doomed.length }, 'expired snapshots');
  return { expiredSnapshots: expired.map((s) => s['snapshot-id'].toString()), deletedFiles: doomed };
}

export interface OrphanOptions {
  /**
   * Only files older than this (epoch ms) are removed (default: 3 days ago). Safe with concurrent writers as long as
   * every writer commits within that long of writing its files: a write in flight is younger, and is never touched.
   */
  readonly olderThanMs?: number;
  readonly dryRun?: boolean;
}

/** Every file the table's current metadata references: itself, the metadata log, and all snapshots' files. */
async function referencedFiles(table: Table): Promise<Set<string>> {
  const m = table.metadata;
  const refs = await referencedBy(table, m.snapshots);
  return new Set<string>([
    table.metadataLocation,
    ...m['metadata-log'].map((e) => e['metadata-file']),
    ...refs.lists,
    ...refs.manifests,
    ...refs.all,
  ]);
}

/**
 * Removes what failed or killed writers left under the table location (data files never committed, metadata files
 * never pointed at, temporary files), as Iceberg's remove_orphan_files does: a file goes only if it is older than the
 * grace period and no snapshot or metadata file of the table references it. A commit that lands during the scan
 * (a slow writer whose files are older than the grace period) is seen by reading the table again after listing; the
 * scan is redone on the new metadata, so that commit's files are kept.
 */
export async function removeOrphanFiles(table: Table, options: OrphanOptions = {}): Promise<{ orphans: string[] }> {
  const io = table.catalog.io;
  const olderThan = options.olderThanMs ?? Date.now() - 3 * 24 * 3600 * 1000;
  const scan = async (): Promise<string[]> => {
    const m = table.metadata;
    const keep = await referencedFiles(table);
    const found: string[] = [];
    for (const file of await io.list(m.location)) {
      if (keep.has(file.path) || file.modifiedMs >= olderThan) continue;
      // Metadata files newer than the current one belong to a commit in flight elsewhere; never touch them.
      if (file.path.endsWith('.metadata.json') && file.modifiedMs >= m['last-updated-ms']) continue;
      found.push(file.path);
    }
    return found;
  };
  await table.refresh();
  let scanned = table.metadataLocation;
  let orphans = await scan();
  for (let pass = 1; (await table.refresh()).metadataLocation !== scanned; pass++) {
    if (pass === 5)
      throw new LakehouseError('CONFLICT', `${table.name} kept changing during the orphan scan; nothing was removed`);
    scanned = table.metadataLocation;
    orphans = await scan();
  }
  if (!options.dryRun) for (const path of orphans) await io.delete(path);
  log.info({ table: table.name, orphans: orphans.length, dryRun: !!options.dryRun }, 'removed orphan files');
  return { orphans };
}
