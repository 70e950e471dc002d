// Crash recovery of `lakehouse run`: one warehouse, runs killed with SIGKILL during ingest, during processing (between
// the raw and the processed commit of a batch) and during dbt, each followed by a run that must succeed. Then exact
// accounting: every record the stream holds is in raw once and in processed once (or quarantined), every job is
// committed with counts that add up to the tables, killed runs are `failed` (abandoned), the dead run's dbt was
// stopped, no quarantine entry is written twice, the jobs of killed runs are reported as recovered by the run after
// them (so the runs' totals, summed, equal the tables), and `maintain --all --remove-orphans` clears the killed
// commits' files while the tables keep reading the same.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readEnvelope } from '../../../src/api/envelope.ts';
import { metadataDbPath, SqliteMetadataStore } from '../../../src/metadata/index.ts';
import { PIPELINE_NAME, type RunSummary } from '../../../src/pipeline/run.ts';
import { localStreamDir, LogReader } from '../../../src/stream/index.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';

const warehouse = tempDir('lakehouse-run-crash-');
const sample = ['--events', '3000', '--users', '150', '--orders', '400'];
const DATASETS = ['users', 'events', 'orders'] as const;

interface Launched {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function launch(args: readonly string[], env: Record<string, string> = {}): Launched {
  const child = spawn(process.execPath, ['src/cli/bin.mjs', 'run', '--warehouse', warehouse, ...sample, ...args], {
    env: { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function until<T>(what: string, probe: () => T | undefined, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

async function succeeds(args: readonly string[] = []): Promise<RunSummary> {
  const run = launch(args);
  const { code } = await run.exited;
  expect(code, run.stderr()).toBe(0);
  const summary = JSON.parse(run.stdout()) as RunSummary;
  expect(summary.quality).toEqual({ passed: expect.any(Number), failed: 0, failures: [] });
  for (const dataset of DATASETS) {
    const s = summary.datasets[dataset];
    expect(s?.received, dataset).toBe((s?.accepted ?? 0) + (s?.quarantined ?? 0));
    expect(s?.accepted, dataset).toBe((s?.received ?? 0) - (s?.rejectedByApi ?? 0)); // only its own records
  }
  return summary;
}

async function killed(run: Launched): Promise<void> {
  run.child.kill('SIGKILL');
  expect((await run.exited).signal, run.stderr()).toBe('SIGKILL');
}

/** The pid of a dbt process building this warehouse's marts, if one runs (not a zombie). */
function dbtProcess(): number | undefined {
  const ps = spawnSync('ps', ['-ww', '-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  for (const line of ps.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m && !m[2]?.startsWith('Z') && m[3]?.includes(join(warehouse, 'dbt', 'target')) && m[3].includes(' build '))
      return Number(m[1]);
  }
  return undefined;
}

/** Records per dataset in the stream, and the job ids they came in. */
async function streamContents(): Promise<Record<string, { records: number; jobs: Set<string> }>> {
  const reader = new LogReader(localStreamDir(warehouse, 'ingest'));
  const out: Record<string, { records: number; jobs: Set<string> }> = {};
  const end = await reader.committedOffset();
  for (let offset = 0; offset < end;) {
    const entries = await reader.read(offset, 1000);
    for (const entry of entries) {
      const { header } = readEnvelope(entry.data);
      const d = (out[header.dataset] ??= { records: 0, jobs: new Set() });
      d.records += header.records;
      d.jobs.add(header.jobId);
    }
    offset += entries.length;
  }
  await reader.close();
  return out;
}

type Counts = Record<string, { rows: number; distinct: number }>;
const tableKeys = {
  'raw.users': 'stream_position',
  'raw.events': 'stream_position',
  'raw.orders': 'stream_position',
  'processed.users': 'user_id',
  'processed.events': 'event_id',
  'processed.orders': 'order_id',
};
const tableCounts = (): Counts =>
  runPythonJson<Counts>('tools', join(import.meta.dirname, 'table_counts.py'), { warehouse, tables: tableKeys });

/** Every quarantine entry on disk: which run's directory, dataset, and its identity (source + line). */
function quarantineEntries(): { run: string; dataset: string; key: string; fromApi: boolean }[] {
  const root = join(warehouse, 'quarantine');
  const out: { run: string; dataset: string; key: string; fromApi: boolean }[] = [];
  for (const file of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    expect(file.name, 'a partial quarantine file').toMatch(/\.ndjson$/);
    const path = join(file.parentPath, file.name);
    const [run, dataset] = path.slice(root.length + 1).split('/') as [string, string];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as { source: string; line: number };
      out.push({ run, dataset, key: `${entry.source}#${entry.line}`, fromApi: entry.source.startsWith('sample:') });
    }
  }
  return out;
}

describe('lakehouse run killed with SIGKILL', () => {
  it('recovers on the next run: success, exact accounting, abandoned records, no orphaned dbt', async () => {
    // 1. Killed during ingest: users are in the stream, events are being posted.
    const ingesting = launch(['--no-dbt']);
    // Soon after the line, while the processor still waits for its batching window: a kill between a batch's
    // processed commit and its job update would leave that job unfinished (the replay is a duplicate).
    await until('posting events', () => (/posting \d+ events/.test(ingesting.stderr()) ? true : undefined), 5);
    await killed(ingesting);
    const afterIngestKill = await succeeds(['--no-dbt']);
    expect(afterIngestKill.run).toBe(1);
    expect(afterIngestKill.recovered.abandonedRuns).toHaveLength(1);
    // The killed run had posted its users (and maybe some events): the next run reports those jobs as recovered.
    expect(afterIngestKill.recovered.datasets.users?.jobs).toBeGreaterThan(0);

    // 2. Killed during processing: the second commit's metadata file (processed.users) is written, the catalog
    // never points at it; raw.users of the same batch is committed.
    const processing = launch(['--no-dbt'], { LAKEHOUSE_FAILPOINT: 'after-metadata-write@2' });
    expect((await processing.exited).signal, processing.stderr()).toBe('SIGKILL');

    // 3. Killed during dbt (after recovering from 2): its dbt is left running, holding the marts database.
    const building = launch([]);
    const orphan = await until('dbt to start', dbtProcess);
    // Meanwhile the warehouse is taken: a second run is refused at once, and records nothing.
    const concurrent = launch(['--no-dbt']);
    expect((await concurrent.exited).code).toBe(1);
    expect(concurrent.stderr()).toMatch(/another lakehouse run \(process \d+\) is using/);
    await killed(building);
    expect(dbtProcess()).toBe(orphan);

    const final = await succeeds();
    expect(final.dbt?.ok).toBe(true);
    expect(final.dbt?.tests).toBeGreaterThan(20);
    expect(final.recovered.stoppedDbt).toBe(orphan);
    expect(final.recovered.abandonedRuns).toHaveLength(1);
    expect(dbtProcess()).toBeUndefined();

    // The run records: killed runs failed as abandoned, the others succeeded; none is left running.
    const store = new SqliteMetadataStore(metadataDbPath(warehouse));
    const runs = await store.listRuns(PIPELINE_NAME);
    await store.close();
    expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded', 'failed', 'failed', 'succeeded']);
    for (const i of [0, 2, 3]) expect(runs[i]?.error).toMatch(/^abandoned: /);
    expect(runs[0]?.runId).toBe(afterIngestKill.recovered.abandonedRuns[0]);
    expect(runs[3]?.runId).toBe(final.recovered.abandonedRuns[0]);
    expect(runs[4]?.counts.events?.accepted).toBe(final.datasets.events?.accepted);

    // Exact accounting over everything the stream ever held, killed runs included.
    const stream = await streamContents();
    const tables = tableCounts();
    const quarantined = quarantineEntries();
    expect(new Set(quarantined.map((q) => q.key)).size, 'a quarantine entry written twice').toBe(quarantined.length);
    const db = new DatabaseSync(metadataDbPath(warehouse), { readOnly: true });
    const jobs = db.prepare('SELECT dataset, status, counts FROM api_jobs').all() as {
      dataset: string;
      status: string;
      counts: string;
    }[];
    db.close();
    expect(jobs.filter((j) => j.status !== 'committed')).toEqual([]);
    for (const dataset of DATASETS) {
      const inStream = stream[dataset]?.records ?? 0;
      const raw = tables[`raw.${dataset}`];
      const processed = tables[`processed.${dataset}`];
      const byProcessor = quarantined.filter((q) => q.dataset === dataset && !q.fromApi).length;
      expect(raw?.rows, `raw.${dataset}`).toBe(inStream);
      expect((processed?.rows ?? 0) + byProcessor, `processed.${dataset}`).toBe(inStream);
      if (dataset !== 'users') expect(processed?.distinct, `processed.${dataset} keys`).toBe(processed?.rows);
      const own = jobs.filter((j) => j.dataset === dataset).map((j) => JSON.parse(j.counts) as Record<string, number>);
      expect(own).toHaveLength(stream[dataset]?.jobs.size ?? 0);
      expect(own.reduce((n, c) => n + (c.received ?? 0), 0)).toBe(inStream);
      expect(own.reduce((n, c) => n + (c.accepted ?? 0), 0)).toBe(processed?.rows);
      // Summed over the runs, own and recovered counts equal what the stream and the tables hold: the killed runs'
      // jobs are counted once, by the run that recovered them (the final run recovers both killed runs 2 and 3).
      const finished = [afterIngestKill, final];
      const sum = (count: (s: RunSummary) => number) => finished.reduce((n, s) => n + count(s), 0);
      const ownAndRecovered = (s: RunSummary, key: 'accepted' | 'quarantined') =>
        (s.datasets[dataset]?.[key] ?? 0) + (s.recovered.datasets[dataset]?.[key] ?? 0);
      expect(
        sum((s) => ownAndRecovered(s, 'accepted')),
        `${dataset}: accepted over runs`,
      ).toBe(processed?.rows);
      expect(
        sum((s) => ownAndRecovered(s, 'quarantined') - (s.datasets[dataset]?.rejectedByApi ?? 0)),
        `${dataset}: quarantined by the processor over runs`,
      ).toBe(byProcessor);
      const ownInStream = (s: RunSummary) =>
        (s.datasets[dataset]?.received ?? 0) - (s.datasets[dataset]?.rejectedByApi ?? 0);
      expect(
        sum((s) => ownInStream(s) + (s.recovered.datasets[dataset]?.received ?? 0)),
        `${dataset}: stream records over runs`,
      ).toBe(inStream);
      // The same from the run records: each run's counts hold what it recovered beside its own.
      const recorded = runs.reduce(
        (n, r) => n + (r.counts[dataset]?.accepted ?? 0) + (r.counts[dataset]?.recoveredAccepted ?? 0),
        0,
      );
      expect(recorded, `${dataset}: accepted over the run records`).toBe(processed?.rows);
      // The runs that finished wrote exactly their API rejections to their own quarantine directory.
      for (const summary of [afterIngestKill, final]) {
        const dir = summary.paths.quarantine?.split('/').pop();
        const api = quarantined.filter((q) => q.run === dir && q.dataset === dataset && q.fromApi).length;
        expect(api, `${dir} ${dataset}`).toBe(summary.datasets[dataset]?.rejectedByApi);
      }
    }

    // The killed commits left files no metadata references; maintain removes them, the tables read the same.
    const maintain = spawnSync(
      process.execPath,
      [
        'src/cli/bin.mjs',
        'maintain',
        '--all',
        '--remove-orphans',
        '--orphan-older-than',
        '0s',
        '--warehouse',
        warehouse,
      ],
      { encoding: 'utf8', env: { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn' } },
    );
    expect(maintain.status, maintain.stderr).toBe(0);
    const maintained = JSON.parse(maintain.stdout) as {
      tables: { table: string; orphans: { deleted_files: string[] } }[];
    };
    expect(maintained.tables.map((t) => t.table).sort()).toEqual(Object.keys(tableKeys).sort());
    const users = maintained.tables.find((t) => t.table === 'processed.users')?.orphans.deleted_files ?? [];
    expect(users.some((p) => p.endsWith('.parquet'))).toBe(true);
    expect(users.some((p) => p.endsWith('.metadata.json'))).toBe(true);
    expect(tableCounts()).toEqual(tables);
  }, 600_000);
});
