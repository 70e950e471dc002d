// `node test/bench/cli-start.bench.ts [--runs 15]` (`npm run bench:cli`): how long the `lakehouse` command takes
// to start and finish, as a ratio to a bare `node -e 0` measured on the same machine in the same run (so a busy or
// slow machine shifts both). Cases run round-robin, not one after the other, for the same reason. `tables` and
// `query` read a small warehouse made first (1,000 events ingested into raw.events). `query` runs DuckDB in the
// tools venv's Python, so a Python start with DuckDB imported is measured as well: it is the floor under `query`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(args.runs);
const root = join(import.meta.dirname, '../..');
const bin = join(root, 'src/cli/bin.mjs');
const python = process.env.LAKEHOUSE_PYTHON ?? join(root, '.venvs', 'tools', 'bin', 'python');
const work = mkdtempSync(join(tmpdir(), 'cli-start-bench-'));
const warehouse = join(work, 'warehouse');

interface Case {
  readonly name: string;
  readonly command: readonly string[];
  /** Largest acceptable median, as a multiple of the `node -e 0` median. */
  readonly target?: number;
}

const cases: readonly Case[] = [
  { name: 'node -e 0 (baseline)', command: [process.execPath, '-e', '0'] },
  { name: 'lakehouse --help', command: [process.execPath, bin, '--help'], target: 2 },
  { name: 'lakehouse --version', command: [process.execPath, bin, '--version'], target: 2 },
  { name: 'lakehouse tables', command: [process.execPath, bin, 'tables', '--warehouse', warehouse], target: 4 },
  {
    name: 'lakehouse query',
    command: [process.execPath, bin, 'query', 'SELECT count(*) FROM raw.events', '--warehouse', warehouse],
    target: 4,
  },
  { name: 'python -c "import duckdb" (query floor)', command: [python, '-c', 'import duckdb'] },
];

function run(command: readonly string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0] as string, command.slice(1), { cwd: work, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

try {
  run([process.execPath, bin, 'sample', '--out', work, '--events', '1000', '--datasets', 'events']);
  const events = join(work, 'events.ndjson');
  run([
    process.execPath,
    bin,
    'ingest',
    events,
    '--contract',
    'events',
    '--table',
    'raw.events',
    `--warehouse=${warehouse}`,
  ]);
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) run(c.command); // warm the file cache once; not counted
  for (let i = 0; i < runs; i++) for (const c of cases) times.get(c.name)?.push(run(c.command));
  const baseline = median(times.get(cases[0]?.name as string) ?? []);
  console.log(`Node ${process.versions.node}, ${runs} runs each, round-robin; median and fastest wall time\n`);
  console.log('| command | median ms | min ms | × node -e 0 | target | |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const c of cases) {
    const values = times.get(c.name) ?? [];
    const ratio = median(values) / baseline;
    const verdict = c.target === undefined ? '' : ratio <= c.target ? 'met' : 'missed';
    console.log(
      `| ${c.name} | ${median(values).toFixed(0)} | ${Math.min(...values).toFixed(0)} | ${ratio.toFixed(1)} | ` +
        `${c.target === undefined ? '' : `≤ ${c.target}×`} | ${verdict} |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
