import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadContract } from '../../contracts/load.ts';
import { convertFile } from '../../jobs/convert.ts';
import { writeSampleFile, type SampleDataset } from '../../sample/generate.ts';
import { parsePositiveInt, printSummary, progressReporter } from '../output.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .description('Generate a sample of every dataset and convert it to Iceberg-ready Parquet (no cloud needed)')
    .option('--home <dir>', 'working directory (default $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--events <n>', 'number of events', parsePositiveInt('--events'), 20_000)
    .option('--seed <n>', 'random seed', parsePositiveInt('--seed'), 42)
    .action(async (opts: { home?: string; events: number; seed: number }) => {
      const home = resolve(opts.home ?? process.env.LAKEHOUSE_HOME ?? '.lakehouse');
      const counts: Record<SampleDataset, number> = {
        events: opts.events,
        users: Math.max(10, Math.round(opts.events / 20)),
        orders: Math.max(10, Math.round(opts.events / 10)),
      };
      const datasets: Record<string, unknown> = {};
      for (const dataset of Object.keys(counts) as SampleDataset[]) {
        const input = join(home, 'sample', `${dataset}.ndjson`);
        process.stderr.write(`[demo] generating ${counts[dataset]} ${dataset}\n`);
        await writeSampleFile(input, dataset, counts[dataset], { seed: opts.seed, users: counts.users });
        const progress = progressReporter(`demo ${dataset}`);
        const summary = await convertFile(input, await loadContract(dataset), join(home, 'converted', dataset), {
          onProgress: (p) => progress(p),
        });
        process.stderr.write(`[demo] ${dataset}: ${summary.accepted} accepted, ${summary.quarantined} quarantined\n`);
        datasets[dataset] = {
          received: summary.received,
          accepted: summary.accepted,
          quarantined: summary.quarantined,
          files: summary.files,
          quarantine: summary.quarantine,
        };
      }
      printSummary({ home, datasets });
    });
}
