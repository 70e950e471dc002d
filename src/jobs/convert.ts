// `lakehouse convert`: a file in, Iceberg-ready Parquet files and a quarantine file out, streaming throughout:
// memory holds a few chunks of records and encoded row groups, whatever the input size.
// Two engines produce the same output: the fast one (NDJSON and CSV, contract-directed scanner, typed columns,
// worker threads, columnar Parquet encoder) where the contract allows it, and the general one (any format, any
// contract, JSON.parse + ajv per record) otherwise. `engine: 'general'` forces the latter.
// A CSV file's delimiter and header are worked out once, up front (csv-layout.ts), and both engines read it so.
// The output folder changes only when a run succeeds (staged-output.ts): a failed run leaves the previous one.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Contract } from '../contracts/model.ts';
import { LakehouseError, ioError } from '../errors.ts';
import { csvLayoutOfFile, csvParseOptions, type CsvLayout } from '../formats/csv-layout.ts';
import { detectFormat } from '../formats/detect.ts';
import { createLogger } from '../log.ts';
import { ColumnarParquetWriter } from '../parquet/columnar/index.ts';
import type { ParquetOptions } from '../parquet/encode.ts';
import { defaultThreads, fastPlanOf, runFastCsv, runFastNdjson, type Phases } from '../records/fast/engine.ts';
import type { FastPlan } from '../records/fast/plan.ts';
import { processInput, type ProcessOptions } from '../records/pipeline.ts';
import { QuarantineWriter } from '../records/quarantine.ts';
import { QUARANTINE_FILE, StagedOutput } from './staged-output.ts';

export interface ConvertOptions extends ProcessOptions, ParquetOptions {
  /** Roll over to a new file once a file reaches this many bytes (default 128 MiB). */
  readonly targetFileBytes?: number;
  /** Called after each chunk, for progress reporting. */
  readonly onProgress?: (progress: { received: number; accepted: number; quarantined: number }) => void;
  /** `auto` (default): the fast engine when the input and contract allow it; `general` forces the other. */
  readonly engine?: 'auto' | 'fast' | 'general';
  /** Worker threads for the fast engine (default: `defaultThreads()`; 0 = the calling thread). */
  readonly threads?: number;
  /** Fast engine without workers: encode on a thread of its own (default: for inputs of 8 MiB and more). */
  readonly encoderThread?: boolean;
}

export interface WrittenFile {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
}

export interface ConvertSummary {
  readonly received: number;
  readonly accepted: number;
  readonly quarantined: number;
  readonly files: WrittenFile[];
  readonly quarantine: string;
  readonly format: string;
  readonly engine: 'fast' | 'general';
  /** Worker threads used (0: the calling thread). */
  readonly threads: number;
  /** Milliseconds per phase, summed over threads (fast engine). */
  readonly phases?: Phases;
  /** Fast engine: records the general path parsed or re-validated (the rest never left typed columns). */
  readonly generalRecords?: number;
}

/** Below this size a thread's start-up costs more than it saves. */
const THREADED_MIN_BYTES = 8 * 1024 * 1024;

const log = createLogger('convert');

export async function convertFile(
  input: string,
  contract: Contract,
  outDir: string,
  options: ConvertOptions = {},
): Promise<ConvertSummary> {
  const layout = await csvLayoutOfFile(
    input,
    contract.inputFields.map((field) => field.name),
    options,
  );
  const parseOptions: ConvertOptions = layout ? { ...options, ...csvParseOptions(layout) } : options;
  const fast = await fastEngineFor(input, contract, parseOptions, layout);
  if (fast) return convertFast(input, contract, outDir, parseOptions, fast);
  // Open the input first: a missing file or an unknown format must not leave an empty output directory behind.
  const { format, chunks } = await processInput(input, contract, parseOptions);
  // The general engine's Parquet writer (hyparquet-writer) loads only when this engine runs.
  const { ParquetFileWriter } = await import('../parquet/encode.ts');
  const output = await StagedOutput.create(outDir);
  const quarantine = new QuarantineWriter(output.stagedPath(QUARANTINE_FILE));
  const parts = new PartFiles(
    output,
    options.targetFileBytes,
    (path) => new ParquetFileWriter(path, contract.fields, options),
  );
  let received = 0;
  let accepted = 0;

  log.info({ input, format, contract: contract.name, outDir }, 'converting');
  const files = await writeAll(output, parts, quarantine, async () => {
    for await (const chunk of chunks) {
      received += chunk.received;
      accepted += chunk.batch.length;
      await quarantine.write(chunk.quarantined);
      if (chunk.batch.length) parts.write((writer) => writer.write(chunk.batch));
      options.onProgress?.({ received, accepted, quarantined: quarantine.count });
    }
  });
  const summary: ConvertSummary = {
    received,
    accepted,
    quarantined: quarantine.count,
    files,
    quarantine: output.finalPath(QUARANTINE_FILE),
    format,
    engine: 'general',
    threads: 0,
  };
  log.info({ received, accepted, quarantined: summary.quarantined, files: files.length }, 'converted');
  return summary;
}

/**
 * Runs a conversion's writing loop, then moves its files into the output folder; on any failure, nothing moves
 * and the staged files are removed. Returns the files as they are named in the output folder.
 */
async function writeAll<W extends PartWriter>(
  output: StagedOutput,
  parts: PartFiles<W>,
  quarantine: QuarantineWriter,
  loop: () => Promise<void>,
): Promise<WrittenFile[]> {
  let files: WrittenFile[];
  try {
    await loop();
    files = parts.close();
    await quarantine.close();
    await output.commit();
  } catch (error) {
    parts.abort();
    await quarantine.close().catch(() => undefined); // the first failure is the one to report
    await output.abort();
    throw error;
  }
  return files.map((file) => ({ ...file, path: output.finalPath(basename(file.path)) }));
}

interface FastInput {
  readonly plan: FastPlan;
  readonly format: 'ndjson' | 'csv';
  readonly csv?: {
    readonly header: readonly string[];
    readonly headerBytes: number;
    readonly headerRow: boolean;
    readonly delimiter: string;
  };
}

/** The fast plan when the fast engine can take this conversion (and `engine` does not forbid it). */
async function fastEngineFor(
  input: string,
  contract: Contract,
  options: ConvertOptions,
  layout: CsvLayout | undefined,
): Promise<FastInput | undefined> {
  const engine = options.engine ?? 'auto';
  if (engine === 'general') return undefined;
  const why = await fastUnsupported(input, contract, options, layout);
  if (typeof why !== 'string') return why;
  if (engine === 'fast') throw new LakehouseError('CONFIG', `the fast engine cannot convert ${input}: ${why}`);
  log.debug({ input, why }, 'general engine');
  return undefined;
}

async function fastUnsupported(
  input: string,
  contract: Contract,
  options: ConvertOptions,
  layout: CsvLayout | undefined,
): Promise<FastInput | string> {
  if (options.enrich) return 'an enrich hook';
  if (options.textValues) return 'text values';
  if (options.compression && options.compression !== 'zstd' && options.compression !== 'uncompressed')
    return `${options.compression} compression`;
  // Row groups are made of whole batches.
  if (options.rowGroupSize !== undefined && options.rowGroupSize < (options.batchSize ?? 65_536))
    return 'row groups smaller than a batch';
  let format;
  try {
    format = await detectFormat(input, options.format);
  } catch {
    return 'format undetected'; // the general engine reports it properly
  }
  if (format !== 'ndjson' && format !== 'csv') return `${format} input`;
  const plan = fastPlanOf(contract);
  if ('unsupported' in plan) return plan.unsupported;
  if (format === 'ndjson') return { plan, format };
  if (!layout || layout.bodyOffset === undefined) return 'a CSV header spanning lines or longer than 1 MiB';
  const { delimiter } = layout;
  // The scanner compares single bytes (a delimiter csv-parse alone reads is left to it).
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) >= 0x80) return 'delimiter';
  const csv = { header: layout.columns, headerBytes: layout.bodyOffset, headerRow: layout.header, delimiter };
  return { plan, format, csv };
}

async function convertFast(
  input: string,
  contract: Contract,
  outDir: string,
  options: ConvertOptions,
  fast: FastInput,
): Promise<ConvertSummary> {
  let size: number;
  try {
    size = (await stat(input)).size;
  } catch (error) {
    throw ioError('reading input', input, error);
  }
  const output = await StagedOutput.create(outDir);
  const quarantine = new QuarantineWriter(output.stagedPath(QUARANTINE_FILE));
  // CSV runs on the calling thread: its fallback to csv-parse for the rest of a file is sequential.
  const threads = fast.format === 'csv' ? 0 : (options.threads ?? (size < THREADED_MIN_BYTES ? 0 : defaultThreads()));
  const parquet = {
    compression: options.compression === 'uncompressed' ? ('uncompressed' as const) : ('zstd' as const),
    ...(options.zstdLevel !== undefined ? { zstdLevel: options.zstdLevel } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  };
  const phases: Phases = { parse: 0, validate: 0, encode: 0, write: 0 };
  const parts = new PartFiles(
    output,
    options.targetFileBytes,
    (path) => new ColumnarParquetWriter(path, contract.fields, parquet),
  );
  let received = 0;
  let accepted = 0;
  let generalRecords = 0;
  log.info({ input, format: fast.format, contract: contract.name, outDir, engine: 'fast', threads }, 'converting');
  const engineOptions = {
    source: options.source ?? input,
    // The de-duplication scope. On the calling thread, batches smaller than a row group are joined into one.
    batchSize: options.batchSize ?? 65_536,
    ...(options.rowGroupSize !== undefined ? { rowGroupRows: options.rowGroupSize } : {}),
    maxRecordBytes: options.maxRecordBytes ?? 16 * 1024 * 1024,
    parquet,
    threads,
    encoderThread: options.encoderThread ?? size >= THREADED_MIN_BYTES,
  };
  const outcomes = fast.csv
    ? runFastCsv(input, contract, fast.plan, { ...engineOptions, ...fast.csv })
    : runFastNdjson(input, contract, fast.plan, engineOptions);
  const files = await writeAll(output, parts, quarantine, async () => {
    for await (const outcome of outcomes) {
      const started = performance.now();
      received += outcome.received;
      accepted += outcome.accepted;
      generalRecords += outcome.general + outcome.suspects;
      phases.parse += outcome.phases.parse;
      phases.validate += outcome.phases.validate;
      phases.encode += outcome.phases.encode;
      await quarantine.write(outcome.quarantined);
      const rowGroup = outcome.rowGroup;
      if (rowGroup) parts.write((writer) => writer.appendRowGroup(rowGroup));
      phases.write += performance.now() - started;
      options.onProgress?.({ received, accepted, quarantined: quarantine.count });
    }
  });
  const summary: ConvertSummary = {
    received,
    accepted,
    quarantined: quarantine.count,
    files,
    quarantine: output.finalPath(QUARANTINE_FILE),
    format: fast.format,
    engine: 'fast',
    threads,
    phases,
    generalRecords,
  };
  log.info({ received, accepted, quarantined: summary.quarantined, files: files.length, phases }, 'converted');
  return summary;
}

interface PartWriter {
  readonly bytes: number;
  close(): WrittenFile;
  abort?(): void;
}

/** `part-00000.parquet`, `part-00001.parquet`, …: a new file once the current one reaches the target size. */
class PartFiles<W extends PartWriter> {
  private readonly output: StagedOutput;
  private readonly targetBytes: number;
  private readonly open: (path: string) => W;
  private readonly files: WrittenFile[] = [];
  private current: W | undefined;

  constructor(output: StagedOutput, targetBytes: number | undefined, open: (path: string) => W) {
    this.output = output;
    this.targetBytes = targetBytes ?? 128 * 1024 * 1024;
    this.open = open;
  }

  write(write: (writer: W) => void): void {
    this.current ??= this.open(this.output.stagedPath(`part-${String(this.files.length).padStart(5, '0')}.parquet`));
    write(this.current);
    if (this.current.bytes >= this.targetBytes) {
      this.files.push(this.current.close());
      this.current = undefined;
    }
  }

  close(): WrittenFile[] {
    if (this.current) this.files.push(this.current.close());
    this.current = undefined;
    return this.files;
  }

  abort(): void {
    this.current?.abort?.();
    this.current = undefined;
  }
}
