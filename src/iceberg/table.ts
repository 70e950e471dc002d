// A table in a catalog: create from a contract, append, overwrite partitions, evolve the schema. Each write is
// one commit through commitWithRetry; data files are written once, before the first attempt, and every attempt
// re-applies the change to the latest metadata. Every commit logs its snapshot id, data files and record count.
import type { Contract } from '../contracts/model.ts';
import { LakehouseError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { formatTableIdentifier, TableExistsError, type Catalog, type TableIdentifier } from '../catalog/catalog.ts';
import { batchRows, isColumnarBatch, writeColumnarDataFiles, type WritableBatch } from './columnar/writer.ts';
import {
  CHECKPOINT_OFFSET,
  CHECKPOINT_SOURCE,
  committedCheckpoint,
  withCheckpoint,
  type Checkpoint,
} from './checkpoints.ts';
import { commitWithRetry, loadTable, type CommitOptions, type LoadedTable } from './commit.ts';
import { failpoint } from './failpoints.ts';
import { tableFields } from './lineage.ts';
import { newMetadataLocation, newTableMetadata, serializeMetadata, withMetadataLog } from './metadata.ts';
import { partitionSpecFromContract, sortOrderFromContract } from './partition.ts';
import { currentSchema, evolveSchema, highestFieldId, nestedField } from './schema.ts';
import { SnapshotProducer, type Operation } from './snapshot.ts';
import type { DataFile, TableMetadata } from './types.ts';
import { writeDataFiles, type WriteOptions } from './writer.ts';

const log = createLogger('iceberg');

export { CHECKPOINT_OFFSET, CHECKPOINT_SOURCE, committedCheckpoint, type Checkpoint } from './checkpoints.ts';

export interface CommitResult {
  readonly snapshotId: bigint | undefined;
  readonly metadataLocation: string;
  readonly files: readonly DataFile[];
  readonly records: bigint;
  /** True when nothing was committed: an empty batch, or a checkpoint already committed. */
  readonly noop: boolean;
  readonly attempts: number;
}

export class Table {
  readonly catalog: Catalog;
  readonly identifier: TableIdentifier;
  private loaded: LoadedTable;

  private constructor(catalog: Catalog, identifier: TableIdentifier, loaded: LoadedTable) {
    this.catalog = catalog;
    this.identifier = identifier;
    this.loaded = loaded;
  }

  get metadata(): TableMetadata {
    return this.loaded.metadata;
  }

  get metadataLocation(): string {
    return this.loaded.metadataLocation;
  }

  get name(): string {
    return formatTableIdentifier(this.identifier);
  }

  static async load(catalog: Catalog, identifier: TableIdentifier): Promise<Table> {
    return new Table(catalog, identifier, await loadTable(catalog, identifier));
  }

  /** Creates the table for a contract (schema with lineage columns, partition spec, sort order). */
  static async create(catalog: Catalog, identifier: TableIdentifier, contract: Contract): Promise<Table> {
    const location = catalog.tableLocation(identifier);
    const fields = tableFields(contract.fields);
    const metadata = newTableMetadata({
      location,
      fields,
      identifierFieldIds: contract.primaryKey
        .map((name) => contract.fields.find((f) => f.name === name)?.id)
        .filter((id): id is number => id !== undefined),
      spec: partitionSpecFromContract(contract),
      sortOrder: sortOrderFromContract(contract),
      properties: { 'lakehouse.contract': contract.name, 'lakehouse.contract.version': String(contract.version) },
    });
    const metadataLocation = newMetadataLocation(location, undefined);
    await catalog.io.write(metadataLocation, new TextEncoder().encode(serializeMetadata(metadata)));
    try {
      await catalog.createTable(identifier, metadataLocation, metadata);
    } catch (error) {
      // Another writer created it first: our metadata file is referenced by nothing.
      await catalog.io.delete(metadataLocation).catch(() => undefined);
      throw error;
    }
    log.info({ table: formatTableIdentifier(identifier), metadataLocation }, 'created table');
    return new Table(catalog, identifier, { metadataLocation, metadata });
  }

  /** Loads the table, creating it from the contract if it does not exist (a concurrent creator wins cleanly). */
  static async createOrLoad(catalog: Catalog, identifier: TableIdentifier, contract: Contract): Promise<Table> {
    try {
      return await Table.load(catalog, identifier);
    } catch (error) {
      if (!(error instanceof LakehouseError) || error.code !== 'NOT_FOUND') throw error;
    }
    try {
      return await Table.create(catalog, identifier, contract);
    } catch (error) {
      if (error instanceof TableExistsError) return Table.load(catalog, identifier);
      throw error;
    }
  }

  async refresh(): Promise<this> {
    this.loaded = await loadTable(this.catalog, this.identifier);
    return this;
  }

  /**
   * Brings the table schema up to the contract: fields with new ids are added (optional), types widened.
   * A metadata-only commit; returns the names of added and widened fields.
   */
  async evolveSchema(contract: Contract, options: CommitOptions = {}): Promise<{ added: string[]; widened: string[] }> {
    const wanted = tableFields(contract.fields).map(nestedField);
    const committed = await commitWithRetry(
      this.catalog,
      this.identifier,
      async (base) => {
        const current = currentSchema(base.metadata);
        const nextId = Math.max(...base.metadata.schemas.map((s) => s['schema-id'])) + 1;
        const change = evolveSchema(current, wanted, nextId);
        if (!change) return { result: { added: [] as string[], widened: [] as string[] } };
        const metadata: TableMetadata = {
          ...base.metadata,
          'last-updated-ms': Date.now(),
          'last-column-id': Math.max(base.metadata['last-column-id'], highestFieldId(change.schema.fields)),
          schemas: [...base.metadata.schemas, change.schema],
          'current-schema-id': change.schema['schema-id'],
          properties: { ...base.metadata.properties, 'lakehouse.contract.version': String(contract.version) },
          'metadata-log': withMetadataLog(base.metadata, base.metadataLocation),
        };
        return { metadata, result: { added: [...change.added], widened: [...change.widened] } };
      },
      options,
    );
    this.loaded = committed;
    if (committed.changed) log.info({ table: this.name, ...committed.result }, 'evolved schema');
    return committed.result;
  }

  /**
   * Fast append of a batch (lineage columns already filled in), exactly once per checkpoint if one is given. A
   * ColumnarBatch is written by the columnar writer, which throws UNSUPPORTED_FORMAT for what only the row path
   * writes (lists, type changes other than widening): the caller then appends a RecordBatch instead.
   */
  async append(
    batch: WritableBatch,
    options: WriteOptions & CommitOptions & { checkpoint?: Checkpoint } = {},
  ): Promise<CommitResult> {
    const { checkpoint } = options;
    if (checkpoint) {
      await this.refresh();
      const done = committedCheckpoint(this.metadata, checkpoint.source);
      if (done !== undefined && done >= checkpoint.offset) return this.noop('checkpoint already committed', checkpoint);
    }
    return this.write('append', batch, options);
  }

  /** Replaces every file in the partitions the batch touches with the batch's rows (dynamic partition overwrite). */
  async overwritePartitions(
    batch: WritableBatch,
    options: WriteOptions & CommitOptions & { checkpoint?: Checkpoint } = {},
  ): Promise<CommitResult> {
    return this.write('overwrite', batch, options);
  }

  noop(reason: string, checkpoint?: Checkpoint): CommitResult {
    log.info(
      {
        table: this.name,
        reason,
        ...(checkpoint ? { source: checkpoint.source, offset: String(checkpoint.offset) } : {}),
      },
      'nothing to commit',
    );
    return {
      snapshotId: undefined,
      metadataLocation: this.metadataLocation,
      files: [],
      records: 0n,
      noop: true,
      attempts: 0,
    };
  }

  /** Writes a batch's data files without committing them (a large input is written chunk by chunk). */
  async writeFiles(batch: WritableBatch, options: WriteOptions = {}): Promise<DataFile[]> {
    return isColumnarBatch(batch)
      ? writeColumnarDataFiles(this.catalog.io, this.metadata, batch, options)
      : writeDataFiles(this.catalog.io, this.metadata, batch, options);
  }

  private async write(
    operation: Operation,
    batch: WritableBatch,
    options: WriteOptions & CommitOptions & { checkpoint?: Checkpoint },
  ): Promise<CommitResult> {
    if (batchRows(batch) === 0) return this.noop('empty batch');
    return this.commitFiles(operation, await this.writeFiles(batch, options), options);
  }

  /**
   * Commits data files written by `writeFiles` as one snapshot. With a checkpoint, a batch whose checkpoint is
   * already committed (found on the latest base, on every attempt) becomes a no-op and its files are removed.
   */
  async commitFiles(
    operation: Operation,
    files: readonly DataFile[],
    options: CommitOptions & { checkpoint?: Checkpoint } = {},
  ): Promise<CommitResult> {
    if (files.length === 0) return this.noop('no data files');
    failpoint('after-data-files');
    const { checkpoint } = options;
    const partitionKeys = new Set(files.map((f) => partitionKey(f)));
    const producer = new SnapshotProducer(this.catalog.io, {
      operation,
      added: files,
      ...(operation === 'overwrite' ? { deletes: (f: DataFile) => partitionKeys.has(partitionKey(f)) } : {}),
      summary: checkpoint
        ? { [CHECKPOINT_SOURCE]: checkpoint.source, [CHECKPOINT_OFFSET]: checkpoint.offset.toString() }
        : {},
    });
    const committed = await commitWithRetry(
      this.catalog,
      this.identifier,
      async (base) => {
        if (checkpoint) {
          const done = committedCheckpoint(base.metadata, checkpoint.source);
          if (done !== undefined && done >= checkpoint.offset) return { result: 'duplicate' as const };
        }
        const produced = await producer.produce(base.metadata, base.metadataLocation);
        // The history property survives snapshot expiry, so the checkpoint outlives this snapshot's summary.
        const metadata = checkpoint ? withCheckpoint(produced.metadata, checkpoint) : produced.metadata;
        return { metadata, result: 'committed' as const, attemptFiles: produced.attemptFiles };
      },
      options,
    );
    this.loaded = committed;
    if (!committed.changed) {
      // Another run committed this checkpoint while we were writing: our files are referenced by nothing.
      for (const path of [...files.map((f) => f.filePath), ...producer.sharedFiles]) {
        await this.catalog.io.delete(path).catch(() => undefined);
      }
      return { ...this.noop('checkpoint committed concurrently', checkpoint), attempts: committed.attempts };
    }
    const records = files.reduce((n, f) => n + f.recordCount, 0n);
    log.info(
      {
        table: this.name,
        operation,
        snapshotId: producer.snapshotId.toString(),
        records: records.toString(),
        files: files.map((f) => f.filePath),
        attempts: committed.attempts,
        metadataLocation: committed.metadataLocation,
      },
      'committed snapshot',
    );
    return {
      snapshotId: producer.snapshotId,
      metadataLocation: committed.metadataLocation,
      files,
      records,
      noop: false,
      attempts: committed.attempts,
    };
  }
}

export function partitionKey(file: DataFile): string {
  return JSON.stringify(file.partition, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
