import type { Command } from 'commander';
import { defaultWarehouse } from '../../catalog/index.ts';
import { LakehouseError } from '../../errors.ts';
import { runLocalPipeline } from '../../pipeline/run.ts';
import { parsePositiveInt, printSummary } from '../output.ts';

export function register(program: Command): void {
  program
    .command('run')
    .description('Run the whole lakehouse locally: sample → ingest API → stream → processor → Iceberg → dbt marts')
    .option('--warehouse <dir>', 'where everything is kept (default $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--events <n>', 'events to generate', parsePositiveInt('--events'), 20_000)
    .option(
      '--users <n>',
      'users (about 20% get a second version, so dim_users has history)',
      parsePositiveInt('--users'),
      500,
    )
    .option('--orders <n>', 'orders to generate', parsePositiveInt('--orders'), 2_000)
    .option(
      '--seed <n>',
      'random seed; each further run in the same warehouse covers the next week',
      parsePositiveInt('--seed'),
      42,
    )
    .option('--invalid-rate <p>', 'share of deliberately broken records, 0..1', '0.03')
    .option('--no-dbt', 'skip building the dbt marts')
    .addHelpText(
      'after',
      '\nA second run in the same warehouse appends new data, and dbt processes only new or changed rows.\n' +
        'Prints one JSON summary: per dataset received/accepted/quarantined, snapshots, marts with row counts,\n' +
        'quality results, accept-to-commit latency and where everything is on disk.',
    )
    .action(
      async (opts: {
        warehouse?: string;
        events: number;
        users: number;
        orders: number;
        seed: number;
        invalidRate: string;
        dbt: boolean;
      }) => {
        const invalidRate = Number(opts.invalidRate);
        if (!(invalidRate >= 0 && invalidRate <= 1))
          throw new LakehouseError('CONFIG', `--invalid-rate must be within 0..1, got ${opts.invalidRate}`);
        const summary = await runLocalPipeline({
          warehouse: defaultWarehouse(opts.warehouse),
          counts: { events: opts.events, users: opts.users, orders: opts.orders },
          seed: opts.seed,
          invalidRate,
          dbt: opts.dbt,
          progress: (message) => process.stderr.write(`[run] ${message}\n`),
        });
        printSummary(summary);
        if (summary.quality.failed > 0 || summary.dbt?.ok === false) process.exitCode = 1;
      },
    );
}
