import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { SAMPLE_DATASETS, writeSampleFile, type SampleDataset } from '../../sample/generate.ts';
import { LakehouseError } from '../../errors.ts';
import { parsePositiveInt, printSummary } from '../output.ts';

export function register(program: Command): void {
  program
    .command('sample')
    .description('Generate realistic synthetic NDJSON for events, users and orders (a few percent invalid)')
    .option('--out <dir>', 'output directory', '.lakehouse/sample')
    .option('--events <n>', 'number of events', parsePositiveInt('--events'), 10_000)
    .option('--users <n>', 'number of users (about 20% also get a changed version)', parsePositiveInt('--users'), 1_000)
    .option('--orders <n>', 'number of orders', parsePositiveInt('--orders'), 2_000)
    .option('--seed <n>', 'random seed (same seed, same data)', parsePositiveInt('--seed'), 42)
    .option('--invalid-rate <p>', 'share of corrupted records, 0..1', '0.03')
    .option('--datasets <list>', 'comma-separated subset of events,users,orders', 'events,users,orders')
    .action(
      async (opts: {
        out: string;
        events: number;
        users: number;
        orders: number;
        seed: number;
        invalidRate: string;
        datasets: string;
      }) => {
        const invalidRate = Number(opts.invalidRate);
        if (!(invalidRate >= 0 && invalidRate <= 1))
          throw new LakehouseError('CONFIG', `--invalid-rate must be within 0..1, got ${opts.invalidRate}`);
        const counts: Record<SampleDataset, number> = { events: opts.events, users: opts.users, orders: opts.orders };
        const files: Record<string, { path: string; records: number }> = {};
        for (const name of opts.datasets.split(',').map((s) => s.trim())) {
          if (!(name in SAMPLE_DATASETS))
            throw new LakehouseError('CONFIG', `unknown dataset "${name}" (events, users, orders)`);
          const dataset = name as SampleDataset;
          const path = resolve(join(opts.out, `${dataset}.ndjson`));
          await writeSampleFile(path, dataset, counts[dataset], { seed: opts.seed, invalidRate, users: opts.users });
          files[dataset] = { path, records: counts[dataset] };
        }
        printSummary({ files, seed: opts.seed, invalidRate });
      },
    );
}
