// `npm run bench`: the record path side by side with its peers on the same generated files, in one run.
//   ours    — NDJSON or CSV → parse → validate (every violation) → transform → quarantine → Parquet (zstd, field
//             ids, stats)
//   duckdb  — read_json / read_csv → COPY … (FORMAT parquet, COMPRESSION zstd); validates nothing
//   pyarrow — read_json / read_csv → write_table(zstd); validates nothing; its JSON reader cannot skip broken lines
//             (gets the clean NDJSON file), its CSV reader skips rows with the wrong column count (gets the same file)
//   python  — pure-Python json.loads or csv.DictReader + the same checks and transforms; writes no Parquet
// Every format × size × contender is a separate process; wall time is measured here, peak RSS by the process
// itself. Results go to stdout as tables and are appended as one JSON line per run to .bench/results.jsonl.
//   --records 500000,5000000   sizes (comma list; files are generated into .bench/ once, streaming, and reused)
//   --formats ndjson,csv       input formats
//   --contenders ours,duckdb   e.g. to leave out the minutes-long Python loop at 5M
//   --runs 3                   median wall time of n runs
//   --smoke                    CI: run everything, append nothing to the history
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSampleFile } from '../../src/sample/generate.ts';
import { bundle } from '../../scripts/build.ts';
import { writeEventsCsv } from './csv.ts';

const FORMATS = ['ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];
const CONTENDERS = ['ours', 'duckdb', 'pyarrow', 'python'] as const;
const PHASES = ['parse', 'validate', 'encode', 'write'] as const;
type Phases = Record<(typeof PHASES)[number], number>;
const SEED = 42;
const INVALID_RATE = 0.03;

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    formats: { type: 'string', default: FORMATS.join(',') },
    runs: { type: 'string', default: '1' },
    contenders: { type: 'string', default: CONTENDERS.join(',') },
    smoke: { type: 'boolean', default: false },
  },
});

function list<T extends string>(option: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim());
  const unknown = items.filter((s) => !(allowed as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`--${option}: unknown ${unknown.join(', ')} (one of ${allowed.join(', ')})`);
  return items as T[];
}
const sizes = args.records.split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--records: "${s}" is not a positive whole number`);
  return n;
});
const formats = list('formats', args.formats, FORMATS);
const contenders = list('contenders', args.contenders, CONTENDERS);
const runs = Number(args.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs: "${args.runs}" is not a positive whole number`);

const python = join(root, '.venvs', 'tools', 'bin', 'python');
if (!existsSync(python))
  throw new Error('missing .venvs/tools: run `bash scripts/bootstrap.sh --python` (npm run bench does)');
const work = join(root, '.bench');
mkdirSync(work, { recursive: true });

/** Generates a file once and reuses it; written under a temporary name so an interrupted run leaves no stub. */
async function ensure(path: string, write: (path: string) => Promise<void>): Promise<string> {
  if (existsSync(path)) return path;
  process.stderr.write(`[bench] generating ${basename(path)}\n`);
  const partial = `${path}.partial`;
  await write(partial);
  renameSync(partial, path);
  return path;
}

interface Inputs {
  /** What ours, duckdb and python read: ~3% of records broken on purpose. */
  readonly dirty: string;
  /** What pyarrow reads. */
  readonly pyarrow: string;
}

async function inputsFor(format: Format, records: number): Promise<Inputs> {
  const name = (suffix: string) => join(work, `events-${records}-seed${SEED}${suffix}.${format}`);
  if (format === 'csv') {
    const dirty = await ensure(name(''), (p) => writeEventsCsv(p, records, { seed: SEED, invalidRate: INVALID_RATE }));
    return { dirty, pyarrow: dirty };
  }
  const dirty = await ensure(name(''), (p) =>
    writeSampleFile(p, 'events', records, { seed: SEED, invalidRate: INVALID_RATE }),
  );
  // Only pyarrow needs the clean file: at 5M it is another 1.2 GB, so it is made only when pyarrow runs.
  const pyarrow = contenders.includes('pyarrow')
    ? await ensure(name('-clean'), (p) => writeSampleFile(p, 'events', records, { seed: SEED, invalidRate: 0 }))
    : dirty;
  return { dirty, pyarrow };
}

interface Run {
  readonly wall: number;
  readonly accepted: number;
  readonly quarantined: number | null;
  readonly maxRss: number;
  readonly engine: string | null;
  readonly threads: number | null;
  readonly phases: Phases | null;
}

// Ours runs bundled (esbuild, like the Lambda code): Node's type stripping and module resolution would otherwise
// add ~0.2 s of start-up to the process and to each worker thread, which no user of a built package pays.
const oursBundle = (await bundle(join(work, 'build'), { ours: 'test/bench/ours.ts' }))[0] as string;

function runOnce(name: string, input: string): Run {
  const out = join(work, `out-${name}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const [command, commandArgs] =
    name === 'ours'
      ? [process.execPath, [oursBundle, input, out]]
      : [python, [join(root, 'test/bench/contenders.py'), name, input, join(out, 'out.parquet')]];
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
    engine?: string;
    threads?: number;
    phases?: Partial<Phases>;
  };
  rmSync(out, { recursive: true, force: true });
  const phases = summary.phases;
  return {
    wall,
    accepted: summary.records,
    quarantined: summary.quarantined,
    maxRss: summary.max_rss,
    engine: summary.engine ?? null,
    threads: summary.threads ?? null,
    // All four or nothing: a share of a partial sum would mislead.
    phases: phases && PHASES.every((p) => typeof phases[p] === 'number') ? (phases as Phases) : null,
  };
}

interface ContenderResult {
  readonly wall: number;
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly peakRssMiB: number;
  readonly accepted: number;
  readonly quarantined: number | null;
  readonly engine: string | null;
  readonly threads: number | null;
  /** CPU milliseconds per phase, summed over threads, as the library reports them. */
  readonly phases: Phases | null;
  /** Each phase's percent of the phase sum. */
  readonly phaseShares: Phases | null;
}

interface Ratios {
  readonly ours_over_duckdb: number | null;
  readonly ours_over_pyarrow: number | null;
  readonly python_over_ours: number | null;
}

interface CaseReport {
  readonly input: { readonly file: string; readonly bytes: number };
  readonly results: Record<string, ContenderResult>;
  readonly ratios: Ratios;
  /** Ours' wall time over ours' in the last recorded run with the same format and size. */
  readonly oursVsLastRun: number | null;
}

interface Report {
  readonly schema: 2;
  readonly date: string;
  readonly machine: Record<string, unknown>;
  readonly input: { readonly dataset: 'events'; readonly seed: number; readonly invalidRate: number };
  readonly runs: number;
  /** format → records → case. */
  readonly formats: Partial<Record<Format, Record<string, CaseReport>>>;
}

/** The shape of results.jsonl lines written before formats and sizes: one NDJSON size per line. */
interface ReportV1 {
  readonly input: { readonly records: number };
  readonly results: Partial<Record<string, { readonly wall: number }>>;
}

function shares(phases: Phases | null): Phases | null {
  if (!phases) return null;
  const total = PHASES.reduce((sum, p) => sum + phases[p], 0);
  if (total <= 0) return null;
  return Object.fromEntries(PHASES.map((p) => [p, (phases[p] / total) * 100])) as Phases;
}

function measure(name: string, input: string, records: number): ContenderResult {
  const all = Array.from({ length: runs }, () => runOnce(name, input));
  // The median run supplies the counts and phases too, so they belong to the wall time reported beside them.
  const run = [...all].sort((a, b) => a.wall - b.wall)[Math.floor(all.length / 2)] as Run;
  return {
    wall: run.wall,
    recordsPerSecond: records / run.wall,
    mbPerSecond: statSync(input).size / 1e6 / run.wall,
    peakRssMiB: Math.max(...all.map((r) => r.maxRss)) / 2 ** 20,
    accepted: run.accepted,
    quarantined: run.quarantined,
    engine: run.engine,
    threads: run.threads,
    phases: run.phases,
    phaseShares: shares(run.phases),
  };
}

const history = join(work, 'results.jsonl');
const previous: unknown[] = existsSync(history)
  ? readFileSync(history, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as unknown)
  : [];

function lastOursWall(format: Format, records: number): number | null {
  for (let i = previous.length - 1; i >= 0; i--) {
    const entry = previous[i] as Partial<Report> & Partial<ReportV1>;
    const wall =
      entry.schema === 2
        ? entry.formats?.[format]?.[String(records)]?.results.ours?.wall
        : format === 'ndjson' && entry.input?.records === records
          ? entry.results?.ours?.wall
          : undefined;
    if (typeof wall === 'number') return wall;
  }
  return null;
}

function versions(): Record<string, string> {
  const result = spawnSync(
    python,
    [
      '-c',
      'import duckdb, pyarrow, platform; print(duckdb.__version__, pyarrow.__version__, platform.python_version())',
    ],
    { encoding: 'utf8' },
  );
  const [duckdb = '?', pyarrow = '?', py = '?'] = result.stdout.trim().split(' ');
  return { duckdb, pyarrow, python: py };
}

const report: Report = {
  schema: 2,
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    ...versions(),
  },
  input: { dataset: 'events', seed: SEED, invalidRate: INVALID_RATE },
  runs,
  formats: {},
};

const fixed = (digits: number) => (n: number | null | undefined) => (n == null ? '-' : n.toFixed(digits));
const count = (n: number | null) => (n === null ? '-' : n.toLocaleString('en-US'));
const problems: string[] = [];

for (const records of sizes) {
  for (const format of formats) {
    const inputs = await inputsFor(format, records);
    const results: Record<string, ContenderResult> = {};
    for (const name of contenders) {
      results[name] = measure(name, name === 'pyarrow' ? inputs.pyarrow : inputs.dirty, records);
      process.stderr.write(`[bench] ${format} ${records} ${name}: ${results[name].wall.toFixed(2)} s\n`);
    }
    const { ours, duckdb, pyarrow, python: loop } = results;
    const ratios: Ratios = {
      ours_over_duckdb: ours && duckdb ? ours.wall / duckdb.wall : null,
      ours_over_pyarrow: ours && pyarrow ? ours.wall / pyarrow.wall : null,
      python_over_ours: ours && loop ? loop.wall / ours.wall : null,
    };
    const last = ours ? lastOursWall(format, records) : null;
    const bytes = statSync(inputs.dirty).size;
    (report.formats[format] ??= {})[String(records)] = {
      input: { file: basename(inputs.dirty), bytes },
      results,
      ratios,
      oursVsLastRun: ours && last ? ours.wall / last : null,
    };

    console.log(`\n== ${format}: ${records.toLocaleString('en-US')} events, ${(bytes / 1e6).toFixed(1)} MB ==`);
    const table = [
      [
        'contender',
        'wall s',
        'records/s',
        'MB/s',
        'peak RSS MiB',
        'accepted',
        'quarantined',
        'engine',
        'threads',
      ].concat(PHASES.map((p) => `${p} %`)),
      ...Object.entries(results).map(([name, r]) =>
        [
          name,
          r.wall.toFixed(2),
          Math.round(r.recordsPerSecond).toLocaleString('en-US'),
          r.mbPerSecond.toFixed(1),
          r.peakRssMiB.toFixed(0),
          count(r.accepted),
          count(r.quarantined),
          r.engine ?? '-',
          r.threads === null ? '-' : String(r.threads),
        ].concat(PHASES.map((p) => fixed(1)(r.phaseShares?.[p]))),
      ),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join('  '));
    for (const [name, value] of Object.entries(ratios)) if (value !== null) console.log(`${name}: ${value.toFixed(2)}`);
    if (ours && last) console.log(`ours vs last run at this size: ${(ours.wall / last).toFixed(2)}×`);

    // For CSV too the count is of events: the header row is not a record.
    if (ours && ours.accepted + (ours.quarantined ?? 0) !== records)
      problems.push(`${format} ${records}: accounting broken: accepted + quarantined != records`);
    if (ours && loop && (ours.accepted !== loop.accepted || ours.quarantined !== loop.quarantined))
      console.log(
        `note: ours and python disagree (${ours.accepted}/${ours.quarantined} vs ${loop.accepted}/${loop.quarantined})`,
      );
  }
}

if (!args.smoke) appendFileSync(history, JSON.stringify(report) + '\n');
console.log(JSON.stringify(report));
if (problems.length) throw new Error(problems.join('\n'));
