// Snapshot producers. One function builds the next table metadata from a base for every operation:
//   append   — a new manifest for the added files; the parent's manifests are carried forward unchanged;
//   overwrite/replace — manifests holding files to delete are rewritten (those entries DELETED, the others
//   EXISTING with their sequence numbers kept); the added files get a new manifest.
// A producer is re-run on a fresh base after a conflict; the added-files manifest is written once and reused,
// while manifest lists (which carry the sequence number) are written per attempt.
import { randomUUID } from 'node:crypto';
import { LakehouseError } from '../errors.ts';
import type { FileIO } from '../io/fileio.ts';
import { joinPath } from '../io/fileio.ts';
import { compareValues, toBytes } from './conversions.ts';
import { readManifest, readManifestList, writeManifest, writeManifestList } from './manifest.ts';
import { currentSnapshot, newSnapshotId, withSnapshot } from './metadata.ts';
import { bindSpec, type BoundPartitionField } from './partition.ts';
import { currentSchema } from './schema.ts';
import {
  STATUS_ADDED,
  STATUS_DELETED,
  STATUS_EXISTING,
  type DataFile,
  type FieldSummary,
  type ManifestEntry,
  type ManifestFile,
  type PartitionSpec,
  type TableMetadata,
} from './types.ts';

export type Operation = 'append' | 'overwrite' | 'replace' | 'delete';

export interface LiveFile {
  readonly entry: ManifestEntry;
  readonly manifest: ManifestFile;
}

export function specOf(metadata: TableMetadata, specId: number): PartitionSpec {
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === specId);
  if (!spec) throw new LakehouseError('INTERNAL', `metadata has no partition spec ${specId}`);
  return spec;
}

export async function readManifests(io: FileIO, metadata: TableMetadata): Promise<ManifestFile[]> {
  const snapshot = currentSnapshot(metadata);
  if (!snapshot) return [];
  return readManifestList(await io.read(snapshot['manifest-list']), snapshot['manifest-list']);
}

/** The live (ADDED or EXISTING) data files of the current snapshot. */
export async function liveFiles(io: FileIO, metadata: TableMetadata): Promise<LiveFile[]> {
  const out: LiveFile[] = [];
  for (const manifest of await readManifests(io, metadata)) {
    for (const entry of readManifest(await io.read(manifest.manifestPath), manifest)) {
      if (entry.status !== STATUS_DELETED) out.push({ entry, manifest });
    }
  }
  return out;
}

function partitionSummaries(bound: readonly BoundPartitionField[], files: readonly DataFile[]): FieldSummary[] {
  return bound.map((p) => {
    let lower: unknown;
    let upper: unknown;
    let containsNull = false;
    for (const f of files) {
      const v = f.partition[p.field.name] ?? null;
      if (v === null) {
        containsNull = true;
        continue;
      }
      if (lower === undefined || compareValues(v, lower) < 0) lower = v;
      if (upper === undefined || compareValues(v, upper) > 0) upper = v;
    }
    return {
      containsNull,
      containsNan: false,
      lowerBound: lower === undefined ? null : toBytes(p.resultType, lower),
      upperBound: upper === undefined ? null : toBytes(p.resultType, upper),
    };
  });
}

export interface SnapshotRequest {
  readonly operation: Operation;
  readonly added: readonly DataFile[];
  /** Which live files of the base this snapshot deletes (re-evaluated against every base). */
  readonly deletes?: (file: DataFile) => boolean;
  /** Files that must all still be live in the base (compaction): otherwise the commit is abandoned. */
  readonly requireLive?: ReadonlySet<string>;
  readonly summary?: Readonly<Record<string, string>>;
}

export interface ProducedSnapshot {
  readonly metadata: TableMetadata;
  readonly snapshotId: bigint;
  /** Files written for this attempt only (manifest list, rewritten manifests): removed if the attempt loses. */
  readonly attemptFiles: readonly string[];
  readonly deleted: readonly DataFile[];
}

export class SnapshotProducer {
  readonly snapshotId = newSnapshotId();
  private readonly io: FileIO;
  private readonly request: SnapshotRequest;
  private addedManifest: ManifestFile | undefined;
  private attempt = 0;

  constructor(io: FileIO, request: SnapshotRequest) {
    this.io = io;
    this.request = request;
  }

  /** Files this producer wrote that every attempt shares (the added-files manifest). */
  get sharedFiles(): string[] {
    return this.addedManifest ? [this.addedManifest.manifestPath] : [];
  }

  async produce(base: TableMetadata, baseLocation: string | undefined): Promise<ProducedSnapshot> {
    const io = this.io;
    const { request } = this;
    const attempt = this.attempt++;
    const schema = currentSchema(base);
    const spec = specOf(base, base['default-spec-id']);
    const bound = bindSpec(spec, schema);
    const parent = currentSnapshot(base);
    const sequenceNumber = base['last-sequence-number'] + 1n;
    const metadataDir = joinPath(base.location, 'metadata');
    const attemptFiles: string[] = [];
    const manifests: ManifestFile[] = [];

    if (request.added.length) {
      if (!this.addedManifest || this.addedManifest.partitionSpecId !== spec['spec-id']) {
        const entries: ManifestEntry[] = request.added.map((dataFile) => ({
          status: STATUS_ADDED,
          snapshotId: this.snapshotId,
          sequenceNumber: null,
          fileSequenceNumber: null,
          dataFile,
        }));
        const path = joinPath(metadataDir, `${randomUUID()}-m0.avro`);
        const bytes = writeManifest({ schema, spec, partition: bound }, entries);
        await io.write(path, bytes);
        this.addedManifest = {
          manifestPath: path,
          manifestLength: BigInt(bytes.byteLength),
          partitionSpecId: spec['spec-id'],
          content: 0,
          sequenceNumber: 0n,
          minSequenceNumber: 0n,
          addedSnapshotId: this.snapshotId,
          addedFilesCount: entries.length,
          existingFilesCount: 0,
          deletedFilesCount: 0,
          addedRowsCount: request.added.reduce((n, f) => n + f.recordCount, 0n),
          existingRowsCount: 0n,
          deletedRowsCount: 0n,
          partitions: partitionSummaries(bound, request.added),
        };
      }
      manifests.push({ ...this.addedManifest, sequenceNumber, minSequenceNumber: sequenceNumber });
    }

    const deleted: DataFile[] = [];
    const seenLive = new Set<string>();
    for (const manifest of await readManifests(io, base)) {
      if (!request.deletes && !request.requireLive) {
        manifests.push(manifest);
        continue;
      }
      const entries = readManifest(await io.read(manifest.manifestPath), manifest);
      const live = entries.filter((e) => e.status !== STATUS_DELETED);
      for (const e of live) seenLive.add(e.dataFile.filePath);
      const doomed = live.filter((e) => request.deletes?.(e.dataFile));
      if (doomed.length === 0) {
        manifests.push(manifest);
        continue;
      }
      const mspec = specOf(base, manifest.partitionSpecId);
      const mbound = bindSpec(mspec, schema);
      const doomedSet = new Set(doomed);
      const rewritten: ManifestEntry[] = live.map((e) =>
        doomedSet.has(e)
          ? { ...e, status: STATUS_DELETED, snapshotId: this.snapshotId }
          : { ...e, status: STATUS_EXISTING },
      );
      deleted.push(...doomed.map((e) => e.dataFile));
      const path = joinPath(metadataDir, `${randomUUID()}-m${attempt + 1}.avro`);
      const bytes = writeManifest({ schema, spec: mspec, partition: mbound }, rewritten);
      await io.write(path, bytes);
      attemptFiles.push(path);
      const existing = rewritten.filter((e) => e.status === STATUS_EXISTING);
      const seqs = rewritten.map((e) => e.sequenceNumber ?? sequenceNumber);
      manifests.push({
        manifestPath: path,
        manifestLength: BigInt(bytes.byteLength),
        partitionSpecId: mspec['spec-id'],
        content: 0,
        sequenceNumber,
        minSequenceNumber: seqs.reduce((a, b) => (b < a ? b : a), sequenceNumber),
        addedSnapshotId: this.snapshotId,
        addedFilesCount: 0,
        existingFilesCount: existing.length,
        deletedFilesCount: doomed.length,
        addedRowsCount: 0n,
        existingRowsCount: existing.reduce((n, e) => n + e.dataFile.recordCount, 0n),
        deletedRowsCount: doomed.reduce((n, e) => n + e.dataFile.recordCount, 0n),
        partitions: partitionSummaries(
          mbound,
          rewritten.map((e) => e.dataFile),
        ),
      });
    }
    if (request.requireLive) {
      const missing = [...request.requireLive].filter((p) => !seenLive.has(p));
      if (missing.length) {
        throw new LakehouseError(
          'CONFLICT',
          `files to rewrite were removed by a concurrent commit: ${missing.join(', ')}`,
          {
            missing,
          },
        );
      }
    }

    const listPath = joinPath(metadataDir, `snap-${this.snapshotId}-${attempt}-${randomUUID()}.avro`);
    await io.write(
      listPath,
      writeManifestList(
        {
          snapshotId: this.snapshotId,
          ...(parent ? { parentSnapshotId: parent['snapshot-id'] } : {}),
          sequenceNumber,
        },
        manifests,
      ),
    );
    attemptFiles.push(listPath);

    const summary = this.summary(parent?.summary, manifests, deleted);
    const metadata = withSnapshot(base, baseLocation, {
      'snapshot-id': this.snapshotId,
      ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
      'sequence-number': sequenceNumber,
      'timestamp-ms': Math.max(Date.now(), base['last-updated-ms']),
      'manifest-list': listPath,
      summary,
      'schema-id': schema['schema-id'],
    });
    return { metadata, snapshotId: this.snapshotId, attemptFiles, deleted };
  }

  private summary(
    parent: Readonly<Record<string, string>> | undefined,
    manifests: readonly ManifestFile[],
    deleted: readonly DataFile[],
  ): Record<string, string> & { operation: string } {
    const added = this.request.added;
    const sum = (files: readonly DataFile[], pick: (f: DataFile) => bigint): bigint =>
      files.reduce((n, f) => n + pick(f), 0n);
    const partitions = new Set(
      [...added, ...deleted].map((f) =>
        JSON.stringify(f.partition, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      ),
    );
    const totalRecords = manifests.reduce((n, m) => n + m.addedRowsCount + m.existingRowsCount, 0n);
    const totalFiles = manifests.reduce((n, m) => n + m.addedFilesCount + m.existingFilesCount, 0);
    const parentSize = BigInt(parent?.['total-files-size'] ?? '0');
    const out: Record<string, string> & { operation: string } = {
      operation: this.request.operation,
      'added-data-files': String(added.length),
      'added-records': sum(added, (f) => f.recordCount).toString(),
      'added-files-size': sum(added, (f) => f.fileSizeInBytes).toString(),
      'changed-partition-count': String(partitions.size),
      'total-records': totalRecords.toString(),
      'total-files-size': (
        parentSize +
        sum(added, (f) => f.fileSizeInBytes) -
        sum(deleted, (f) => f.fileSizeInBytes)
      ).toString(),
      'total-data-files': String(totalFiles),
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
      ...this.request.summary,
    };
    if (deleted.length) {
      out['deleted-data-files'] = String(deleted.length);
      out['deleted-records'] = sum(deleted, (f) => f.recordCount).toString();
      out['removed-files-size'] = sum(deleted, (f) => f.fileSizeInBytes).toString();
    }
    return out;
  }
}
