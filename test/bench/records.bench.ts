// `npm run bench`: the record path side by side with its peers on the same generated file, in one run.
//   ours    — NDJSON → parse → validate (every violation) → transform → quarantine → Parquet (zstd, field ids, stats)
//   duckdb  — read_json → COPY … (FORMAT parquet, COMPRESSION zstd); validates nothing
//   pyarrow — read_json → write_table(zstd); validates nothing and cannot read broken lines (gets the clean file)
//   python  — pure-Python json.loads + the same checks and transforms; writes no Parquet
// Each contender is a separate process; wall time is measured here, peak RSS by the process itself.
// Results go to stdout as a table and are appended as JSON to .bench/results.jsonl.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSampleFile } from '../../src/sample/generate.ts';

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '1' },
    contenders: { type: 'string', default: 'ours,duckdb,pyarrow,python' },
    smoke: { type: 'boolean', default: false },
  },
});
const records = Number(args.records);
const runs = Number(args.runs);
const contenders = args.contenders.split(',');
const python = join(root, '.venvs', 'tools', 'bin', 'python');
if (!existsSync(python))
  throw new Error('missing .venvs/tools: run `bash scripts/bootstrap.sh --python` (npm run bench does)');

const work = join(root, '.bench');
mkdirSync(work, { recursive: true });
const input = join(work, `events-${records}-seed42.ndjson`);
const clean = join(work, `events-${records}-seed42-clean.ndjson`);
if (!existsSync(input)) await writeSampleFile(input, 'events', records, { seed: 42, invalidRate: 0.03 });
if (!existsSync(clean)) await writeSampleFile(clean, 'events', records, { seed: 42, invalidRate: 0 });
const inputBytes = statSync(input).size;

interface Run {
  wall: number;
  records: number;
  quarantined: number | null;
  maxRss: number;
}

function runOnce(name: string): Run {
  const out = join(work, `out-${name}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const [command, commandArgs] =
    name === 'ours'
      ? [process.execPath, [join(root, 'test/bench/ours.ts'), input, out]]
      : [
          python,
          [join(root, 'test/bench/contenders.py'), name, name === 'pyarrow' ? clean : input, join(out, 'out.parquet')],
        ];
  const started = performance.now();
  const result = spawnSync(command, commandArgs, {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn' },
  });
  const wall = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${name} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  const summary = JSON.parse(result.stdout.trim().split('\n').pop() as string) as {
    records: number;
    quarantined: number | null;
    max_rss: number;
  };
  rmSync(out, { recursive: true, force: true });
  return { wall, records: summary.records, quarantined: summary.quarantined, maxRss: summary.max_rss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<string, Run & { recordsPerSecond: number; mbPerSecond: number }> = {};
for (const name of contenders) {
  const all = Array.from({ length: runs }, () => runOnce(name));
  const wall = median(all.map((r) => r.wall));
  const last = all[all.length - 1] as Run;
  results[name] = {
    ...last,
    wall,
    maxRss: Math.max(...all.map((r) => r.maxRss)),
    recordsPerSecond: records / wall,
    mbPerSecond: inputBytes / 1e6 / wall,
  };
  process.stderr.write(`[bench] ${name}: ${wall.toFixed(2)} s\n`);
}

const ours = results.ours;
const ratios = {
  ours_over_duckdb: ours && results.duckdb ? ours.wall / results.duckdb.wall : null,
  ours_over_pyarrow: ours && results.pyarrow ? ours.wall / results.pyarrow.wall : null,
  python_over_ours: ours && results.python ? results.python.wall / ours.wall : null,
};
const report = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  input: { records, bytes: inputBytes, invalidRate: 0.03 },
  runs,
  results,
  ratios,
};

const table = [
  ['contender', 'wall s', 'records/s', 'MB/s', 'peak RSS MiB', 'accepted', 'quarantined'],
  ...Object.entries(results).map(([name, r]) => [
    name,
    r.wall.toFixed(2),
    Math.round(r.recordsPerSecond).toLocaleString('en-US'),
    r.mbPerSecond.toFixed(1),
    (r.maxRss / 2 ** 20).toFixed(0),
    String(r.records),
    r.quarantined === null ? '-' : String(r.quarantined),
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
for (const row of table) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join('  '));
for (const [name, value] of Object.entries(ratios)) if (value !== null) console.log(`${name}: ${value.toFixed(2)}`);

const history = join(work, 'results.jsonl');
if (existsSync(history)) {
  const previous = readFileSync(history, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as typeof report)
    .filter((r) => r.input.records === records)
    .pop();
  if (previous?.results.ours && ours)
    console.log(`ours vs last run at this size: ${(ours.wall / previous.results.ours.wall).toFixed(2)}×`);
}
if (!args.smoke) appendFileSync(history, JSON.stringify(report) + '\n');
console.log(JSON.stringify(report));
if (ours && ours.records + (ours.quarantined ?? 0) !== records)
  throw new Error('accounting broken: accepted + quarantined != records');
