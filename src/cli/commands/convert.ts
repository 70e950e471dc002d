import type { Command } from 'commander';
import { loadContract } from '../../contracts/load.ts';
import { convertFile } from '../../jobs/convert.ts';
import { CSV_HELP_TEXT, CSV_OPTION_HELP, columnList, csvColumnsOption } from '../csv-options.ts';
import { parsePositiveInt, printSummary, progressReporter } from '../output.ts';

export function register(program: Command): void {
  program
    .command('convert')
    .description('Validate and transform a file against a data contract into Iceberg-ready Parquet files')
    .argument('<input>', 'input file (json, ndjson, csv, parquet)')
    .requiredOption('--contract <name|path>', 'built-in contract (events, users, orders) or a contract file')
    .requiredOption('--out <dir>', 'output directory for part-*.parquet and quarantine.ndjson')
    .option('--format <format>', 'input format: json, ndjson, csv, parquet (default: from extension or content)')
    .option('--delimiter <char>', CSV_OPTION_HELP.delimiter)
    .option('--no-header', CSV_OPTION_HELP.noHeader)
    .option('--columns <a,b,c>', CSV_OPTION_HELP.columns, columnList)
    .option('--batch-size <n>', 'records per batch (the de-duplication scope)', parsePositiveInt('--batch-size'))
    .option(
      '--row-group-size <n>',
      'rows per Parquet row group at most (smaller batches are joined up to it)',
      parsePositiveInt('--row-group-size'),
    )
    .option('--target-file-mb <n>', 'roll over to a new file at this size', parsePositiveInt('--target-file-mb'))
    .option(
      '--engine <engine>',
      'auto (fast engine where the contract allows it), fast or general',
      engineOption,
      'auto',
    )
    .option(
      '--threads <n>',
      'fast engine worker threads (default: 0 on 2 CPUs or fewer, else one per CPU up to 4)',
      parsePositiveInt('--threads'),
    )
    .addHelpText(
      'after',
      `
Prints one JSON object: {"received","accepted","quarantined","files":[{"path","records","bytes"}]}.
The files of an earlier run in --out are replaced only when this run succeeds; a failed run leaves them as they were.
${CSV_HELP_TEXT}`,
    )
    .action(async (input: string, opts: Record<string, string | number | boolean | string[] | undefined>) => {
      const contract = await loadContract(String(opts.contract));
      const progress = progressReporter('convert');
      const summary = await convertFile(input, contract, String(opts.out), {
        format: opts.format as string | undefined,
        delimiter: opts.delimiter as string | undefined,
        ...csvColumnsOption({ header: opts.header as boolean, columns: opts.columns as string[] | undefined }),
        batchSize: opts.batchSize as number | undefined,
        rowGroupSize: opts.rowGroupSize as number | undefined,
        targetFileBytes: opts.targetFileMb === undefined ? undefined : Number(opts.targetFileMb) * 1024 * 1024,
        onProgress: (p) => progress(p),
        engine: opts.engine as 'auto' | 'fast' | 'general',
        ...(opts.threads === undefined ? {} : { threads: Number(opts.threads) }),
      });
      printSummary({
        received: summary.received,
        accepted: summary.accepted,
        quarantined: summary.quarantined,
        files: summary.files,
        quarantine: summary.quarantine,
        format: summary.format,
        engine: summary.engine,
      });
    });
}

function engineOption(value: string): 'auto' | 'fast' | 'general' {
  if (value === 'auto' || value === 'fast' || value === 'general') return value;
  throw new Error(`--engine must be auto, fast or general, got "${value}"`);
}
