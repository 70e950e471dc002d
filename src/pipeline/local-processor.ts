// The processor wired to the local stand-ins — the on-disk stream, the SQL catalog, SQLite metadata — for
// `lakehouse run`, the API and processor benchmarks and the fault tests. The Lambda wires the same
// StreamProcessor to AWS.
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.ts';
import { SqlCatalog } from '../catalog/sql.ts';
import type { Contract } from '../contracts/model.ts';
import { LocalFileIO } from '../io/local.ts';
import { metadataDbPath, SqliteMetadataStore } from '../metadata/index.ts';
import type { MetadataStore } from '../metadata/types.ts';
import { IcebergTables } from '../processor/iceberg-tables.ts';
import { StreamProcessor, type StreamProcessorOptions } from '../processor/processor.ts';
import { FileIOQuarantine } from '../processor/quarantine-sink.ts';
import type { QuarantineSink } from '../processor/types.ts';
import { Consumer } from '../stream/index.ts';

export interface LocalProcessorOptions {
  readonly warehouse: string;
  readonly stream: string;
  readonly contracts: readonly Contract[];
  readonly catalog: Catalog;
  readonly metadata: MetadataStore;
  readonly quarantine: QuarantineSink;
  /** Lambda's BatchSize and MaximumBatchingWindow, as the event source mapping sets them. */
  readonly batchSize?: number;
  readonly maxBatchingWindowMs?: number;
}

export interface LocalProcessor {
  readonly processor: StreamProcessor;
  readonly consumer: Consumer;
}

export async function startLocalProcessor(options: LocalProcessorOptions): Promise<LocalProcessor> {
  const processor = new StreamProcessor({
    contracts: options.contracts,
    tables: new IcebergTables(options.catalog),
    metadata: options.metadata,
    quarantine: options.quarantine,
    streamName: options.stream,
  });
  const consumer = new Consumer({
    warehouse: options.warehouse,
    stream: options.stream,
    handler: processor.handle,
    batchSize: options.batchSize ?? 500,
    maxBatchingWindowMs: options.maxBatchingWindowMs ?? 100,
  });
  await consumer.start();
  return { processor, consumer };
}

/** Processes everything the stream holds now, then closes the consumer. */
export async function drain(consumer: Consumer): Promise<void> {
  while ((await consumer.lag()) > 0) await consumer.poll();
  await consumer.close();
}

export interface WarehouseProcessor {
  readonly processor: StreamProcessor;
  readonly catalog: SqlCatalog;
  readonly metadata: SqliteMetadataStore;
}

/**
 * A StreamProcessor whose everything lives in one local warehouse directory: the SQL catalog and its tables,
 * SQLite run metadata, quarantine files under `quarantine/`. Batches are handed to `processor.handle` directly
 * (no consumer): for the processor benchmark and the tests that compare its record paths.
 */
export function warehouseProcessor(
  warehouse: string,
  options: Pick<StreamProcessorOptions, 'contracts' | 'streamName' | 'engine'>,
): WarehouseProcessor {
  const catalog = new SqlCatalog({ warehouse, name: 'lakehouse' });
  const metadata = new SqliteMetadataStore(metadataDbPath(warehouse));
  const processor = new StreamProcessor({
    ...options,
    tables: new IcebergTables(catalog),
    metadata,
    quarantine: new FileIOQuarantine(new LocalFileIO(), join(warehouse, 'quarantine')),
  });
  return { processor, catalog, metadata };
}
