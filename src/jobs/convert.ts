// `lakehouse convert`: a file in, Iceberg-ready Parquet files and a quarantine file out, streaming throughout:
// memory holds one chunk of records and one encoded row group, whatever the input size.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Contract } from '../contracts/model.ts';
import { ioError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { ParquetFileWriter, type ParquetOptions } from '../parquet/encode.ts';
import { processInput, type ProcessOptions } from '../records/pipeline.ts';
import { QuarantineWriter } from '../records/quarantine.ts';

export interface ConvertOptions extends ProcessOptions, ParquetOptions {
  /** Roll over to a new file once a file reaches this many bytes (default 128 MiB). */
  readonly targetFileBytes?: number;
  /** Called after each chunk, for progress reporting. */
  readonly onProgress?: (progress: { received: number; accepted: number; quarantined: number }) => void;
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
}

const log = createLogger('convert');

export async function convertFile(
  input: string,
  contract: Contract,
  outDir: string,
  options: ConvertOptions = {},
): Promise<ConvertSummary> {
  // Open the input first: a missing file or an unknown format must not leave an empty output directory behind.
  const { format, chunks } = await processInput(input, contract, options);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw ioError('creating output directory', outDir, error);
  }
  const quarantinePath = join(outDir, 'quarantine.ndjson');
  await rm(quarantinePath, { force: true });
  const quarantine = new QuarantineWriter(quarantinePath);
  const targetFileBytes = options.targetFileBytes ?? 128 * 1024 * 1024;
  const files: WrittenFile[] = [];
  let current: ParquetFileWriter | undefined;
  let received = 0;
  let accepted = 0;

  log.info({ input, format, contract: contract.name, outDir }, 'converting');
  for await (const chunk of chunks) {
    received += chunk.received;
    accepted += chunk.batch.length;
    await quarantine.write(chunk.quarantined);
    if (chunk.batch.length) {
      current ??= new ParquetFileWriter(
        join(outDir, `part-${String(files.length).padStart(5, '0')}.parquet`),
        contract.fields,
        options,
      );
      current.write(chunk.batch);
      if (current.bytes >= targetFileBytes) {
        files.push(current.close());
        current = undefined;
      }
    }
    options.onProgress?.({ received, accepted, quarantined: quarantine.count });
  }
  if (current) files.push(current.close());
  await quarantine.close();
  const summary = { received, accepted, quarantined: quarantine.count, files, quarantine: quarantinePath, format };
  log.info({ received, accepted, quarantined: summary.quarantined, files: files.length }, 'converted');
  return summary;
}
