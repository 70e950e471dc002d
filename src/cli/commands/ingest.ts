// `lakehouse ingest`: a file through the record path into an Iceberg table, as one snapshot, exactly once.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultWarehouse, formatTableIdentifier, openCatalog, parseTableIdentifier } from '../../catalog/index.ts';
import { loadContract } from '../../contracts/load.ts';
import { ioError, LakehouseError } from '../../errors.ts';
import { withLineage, nowMicros } from '../../iceberg/lineage.ts';
import { committedCheckpoint, Table, type Checkpoint } from '../../iceberg/table.ts';
import type { DataFile } from '../../iceberg/types.ts';
import { isS3 } from '../../io/index.ts';
import { concatBatches, type RecordBatch } from '../../records/batch.ts';
import { processInput } from '../../records/pipeline.ts';
import { QuarantineWriter } from '../../records/quarantine.ts';
import { csvLayoutOfFile, csvParseOptions } from '../../formats/csv-layout.ts';
import { parsePositiveInt, printSummary, progressReporter } from '../output.ts';
import { CSV_HELP_TEXT, CSV_OPTION_HELP, columnList, csvColumnsOption } from '../csv-options.ts';

export interface IngestOptions {
  readonly table: string;
  readonly contract: string;
  readonly warehouse?: string;
  readonly catalog?: 'sql' | 'glue';
  readonly format?: string;
  readonly delimiter?: string;
  /** CSV without a header row: its column names (`--no-header --columns a,b,c`). */
  readonly columns?: readonly string[];
  readonly batchSize?: number;
  readonly mode?: 'append' | 'overwrite';
  readonly sourceId?: string;
  readonly offset?: string;
  /** Directory for rejected records (default `<warehouse>/quarantine`, `./.lakehouse/quarantine` for S3). */
  readonly quarantine?: string;
  /** Rows buffered before data files are written (default 262,144). */
  readonly rowsPerWrite?: number;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw ioError('reading input', path, error);
  }
  return hash.digest('hex');
}

/** The checkpoint of one ingest run: by default the file's content, so re-ingesting the same bytes is a no-op. */
async function checkpointFor(input: string, options: IngestOptions): Promise<Checkpoint> {
  let offset: bigint;
  try {
    offset = BigInt(options.offset ?? (await stat(input)).size);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new LakehouseError('CONFIG', `--offset must be an integer, got "${options.offset}"`);
    throw ioError('reading input', input, error);
  }
  return { source: options.sourceId ?? `sha256:${await sha256(input)}`, offset };
}

export async function ingest(input: string, options: IngestOptions) {
  const identifier = parseTableIdentifier(options.table);
  const contract = await loadContract(options.contract);
  const warehouse = defaultWarehouse(options.warehouse);
  const source = resolve(input);
  // Open the input first: a missing file, an unknown format, a CSV layout that cannot be told or a header that
  // cannot be read fails before anything is created.
  const layout = await csvLayoutOfFile(
    input,
    contract.inputFields.map((field) => field.name),
    options,
  );
  const { format, chunks } = await processInput(input, contract, {
    ...(options.format ? { format: options.format } : {}),
    ...(layout ? csvParseOptions(layout) : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    source,
  });
  const checkpoint = await checkpointFor(input, options);
  // Read the first chunk before anything is created: the parser checks the input's layout as it starts (a CSV
  // header naming a column twice stops it), and an input that cannot be read must leave no table behind.
  const reader = chunks[Symbol.asyncIterator]();
  const first = await reader.next();
  const catalog = openCatalog({ warehouse, ...(options.catalog ? { catalog: options.catalog } : {}) });
  try {
    const table = await Table.createOrLoad(catalog, identifier, contract);
    const done = committedCheckpoint(table.metadata, checkpoint.source);
    if (done !== undefined && done >= checkpoint.offset) {
      // Already committed: skip the work (commitFiles would also detect it, after writing files for nothing).
      return {
        table: formatTableIdentifier(identifier),
        format,
        received: 0,
        accepted: 0,
        quarantined: 0,
        snapshot_id: null,
        metadata_location: table.metadataLocation,
        committed: false,
        reason: 'checkpoint already committed',
        attempts: 0,
        checkpoint: { source: checkpoint.source, offset: checkpoint.offset.toString() },
        files: [],
      };
    }
    await table.evolveSchema(contract);
    const quarantineRoot =
      options.quarantine ?? join(isS3(warehouse) ? resolve('.lakehouse') : warehouse, 'quarantine');
    const quarantineDir = join(quarantineRoot, formatTableIdentifier(identifier));
    try {
      await mkdir(quarantineDir, { recursive: true });
    } catch (error) {
      throw ioError('creating quarantine directory', quarantineDir, error, { writing: true });
    }
    const quarantine = new QuarantineWriter(
      join(quarantineDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`),
    );
    const ingestedAt = nowMicros();
    const progress = progressReporter('ingest');
    const files: DataFile[] = [];
    // Chunks are buffered up to `rowsPerWrite` rows so that each write makes fewer, larger data files per
    // partition; memory stays bounded by that many rows.
    const rowsPerWrite = options.rowsPerWrite ?? 262_144;
    let pending: RecordBatch[] = [];
    let pendingRows = 0;
    const flush = async (): Promise<void> => {
      if (pendingRows === 0) return;
      const batch = pending.length === 1 ? (pending[0] as RecordBatch) : concatBatches(contract, pending);
      files.push(...(await table.writeFiles(withLineage(batch, source, ingestedAt))));
      pending = [];
      pendingRows = 0;
    };
    let received = 0;
    let accepted = 0;
    for await (const chunk of startingWith(first, reader)) {
      received += chunk.received;
      accepted += chunk.batch.length;
      await quarantine.write(chunk.quarantined);
      if (chunk.batch.length) {
        pending.push(chunk.batch);
        pendingRows += chunk.batch.length;
        if (pendingRows >= rowsPerWrite) await flush();
      }
      progress({ received, accepted, quarantined: quarantine.count });
    }
    await flush();
    await quarantine.close();
    const result = await table.commitFiles(options.mode === 'overwrite' ? 'overwrite' : 'append', files, {
      checkpoint,
    });
    return {
      table: formatTableIdentifier(identifier),
      format,
      received,
      accepted,
      quarantined: quarantine.count,
      ...(quarantine.count ? { quarantine: quarantine.path } : {}),
      snapshot_id: result.snapshotId?.toString() ?? null,
      metadata_location: result.metadataLocation,
      committed: !result.noop,
      attempts: result.attempts,
      checkpoint: { source: checkpoint.source, offset: checkpoint.offset.toString() },
      files: result.files.map((f) => ({
        path: f.filePath,
        records: Number(f.recordCount),
        bytes: Number(f.fileSizeInBytes),
      })),
    };
  } finally {
    await reader.return?.(); // closes the input when the run stops early (checkpoint committed, or an error)
    await catalog.close();
  }
}

/** The items of an iterator whose first result was already read. */
async function* startingWith<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncIterable<T> {
  if (first.done) return;
  yield first.value;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description('Validate and transform a file against a contract and append it to an Iceberg table (one snapshot)')
    .argument('<input>', 'input file (json, ndjson, csv, parquet)')
    .requiredOption('--table <namespace.table>', 'target table, created from the contract if it does not exist')
    .requiredOption('--contract <name|path>', 'built-in contract (events, users, orders) or a contract file')
    .option('--warehouse <dir|s3://…>', 'warehouse root (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--catalog <sql|glue>', 'catalog: the local SQLite catalog (default) or AWS Glue', 'sql')
    .option('--format <format>', 'input format: json, ndjson, csv, parquet (default: from extension or content)')
    .option('--delimiter <char>', CSV_OPTION_HELP.delimiter)
    .option('--no-header', CSV_OPTION_HELP.noHeader)
    .option('--columns <a,b,c>', CSV_OPTION_HELP.columns, columnList)
    .option('--batch-size <n>', 'records per batch (the de-duplication scope)', parsePositiveInt('--batch-size'))
    .option('--mode <append|overwrite>', 'append, or overwrite the partitions the input touches', 'append')
    .option('--quarantine <dir>', 'where rejected records go (default: <warehouse>/quarantine)')
    .option('--source-id <id>', 'checkpoint source id (default: sha256 of the input)')
    .option('--offset <n>', 'checkpoint offset within the source (default: the input size in bytes)')
    .addHelpText(
      'after',
      `
Re-running an input whose checkpoint is already committed commits nothing ("committed": false).
Rejected records go to <quarantine>/<namespace.table>/<time>.ndjson.
Prints one JSON object: {"received","accepted","quarantined","snapshot_id","metadata_location","files",…}.
${CSV_HELP_TEXT}`,
    )
    .action(async (input: string, opts: IngestOptions & { header: boolean }) => {
      if (opts.mode !== 'append' && opts.mode !== 'overwrite') {
        throw new LakehouseError('CONFIG', `--mode must be append or overwrite, got "${String(opts.mode)}"`);
      }
      if (opts.catalog !== 'sql' && opts.catalog !== 'glue') {
        throw new LakehouseError('CONFIG', `--catalog must be sql or glue, got "${String(opts.catalog)}"`);
      }
      printSummary(await ingest(input, { ...opts, ...csvColumnsOption(opts) }));
    });
}
