// `lakehouse run` end to end on a small sample, twice in one warehouse, then read back by independent tools:
// pyiceberg and DuckDB see the rows the summary claims, specific records arrive with exact values, the second run
// appends, and the metadata store holds both runs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteMetadataStore, metadataDbPath } from '../../../src/metadata/index.ts';
import { PIPELINE_NAME, type RunSummary } from '../../../src/pipeline/run.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';

const warehouse = tempDir('lakehouse-run-');
const counts = ['--events', '3000', '--users', '150', '--orders', '400'];

function lakehouseRun(...extra: string[]): RunSummary {
  const result = spawnSync(
    process.execPath,
    ['src/cli/bin.mjs', 'run', '--warehouse', warehouse, ...counts, ...extra],
    {
      encoding: 'utf8',
      env: { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn' },
    },
  );
  expect(result.status, result.stderr).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string) as RunSummary;
}

function query(sql: string): Record<string, unknown>[] {
  const result = spawnSync(process.execPath, ['src/cli/bin.mjs', 'query', sql, '--warehouse', warehouse, '--json'], {
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface Tables {
  tables: Record<
    string,
    {
      rows: number;
      duckdb_rows: number;
      snapshots: number;
      summaries: Record<string, string>[];
      lookup?: Record<string, unknown>[];
    }
  >;
}

describe('lakehouse run (local, embedded defaults)', () => {
  it('lands every accepted record once in raw and processed Iceberg tables, twice over, and records both runs', () => {
    const first = lakehouseRun('--no-dbt');
    for (const [dataset, s] of Object.entries(first.datasets)) {
      expect(s.received, dataset).toBe(s.accepted + s.quarantined);
      expect(s.quarantined, dataset).toBeGreaterThan(0); // the sample is ~3% broken on purpose
    }
    expect(first.datasets.events?.received).toBe(3000);
    expect(first.quality.failed).toBe(0);
    expect(first.latency.p99Ms).toBeLessThan(3000);

    // The first valid event of the sample, as generated: it must be in processed.events with exact values.
    const firstValid = [
      ...eventRecords(3000, { seed: 42, invalidRate: 0.03, users: 150, start: new Date(Date.UTC(2026, 10, 1)) }),
    ]
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      })
      .find(
        (r) =>
          r &&
          typeof r.user_id === 'string' &&
          /^u\d{6}$/.test(r.user_id) &&
          r.event_type !== 'hover' &&
          typeof r.session_id === 'string' &&
          String(r.event_ts).endsWith('Z') &&
          r.country !== 'USA' &&
          (r.amount === null || (typeof r.amount === 'string' && /^\d+\.\d{2}$/.test(r.amount))) &&
          !(r.properties && (r.properties as { ab: number }).ab > 9),
      );
    expect(firstValid).toBeDefined();
    const tables = runPythonJson<Tables>('tools', join(import.meta.dirname, 'read_tables.py'), {
      warehouse,
      lookup: { 'processed.events': { event_id: firstValid?.event_id } },
    });
    const processed = tables.tables['processed.events'];
    expect(processed?.rows).toBe(first.datasets.events?.accepted);
    expect(processed?.duckdb_rows).toBe(processed?.rows);
    expect(tables.tables['raw.events']?.rows).toBe(first.datasets.events?.accepted); // the API let only valid ones in
    expect(processed?.lookup).toHaveLength(1);
    const row = processed?.lookup?.[0] as Record<string, unknown>;
    expect(row.user_id).toBe(firstValid?.user_id);
    expect(row.event_type).toBe(firstValid?.event_type);
    expect(row.amount).toBe(firstValid?.amount ?? null); // decimals come back exact, as text
    expect(String(row._source)).toMatch(/^api:[0-9a-f-]{36}$/);
    expect(
      processed?.summaries.every(
        (s) =>
          s['lakehouse.checkpoint.source'] === 'stream:ingest:shard-0' ||
          s['lakehouse.checkpoint.source']?.startsWith('stream:ingest'),
      ),
    ).toBe(true);

    const second = lakehouseRun(); // this time with the dbt marts
    expect(second.run).toBe(1);
    expect(second.dbt?.ok).toBe(true);
    expect(second.quality.failed).toBe(0);
    expect(second.dbt?.tests).toBeGreaterThan(20);
    const after = runPythonJson<Tables>('tools', join(import.meta.dirname, 'read_tables.py'), { warehouse });
    for (const dataset of ['events', 'users', 'orders']) {
      const expected = (first.datasets[dataset]?.accepted ?? 0) + (second.datasets[dataset]?.accepted ?? 0);
      expect(after.tables[`processed.${dataset}`]?.rows, dataset).toBe(expected);
      expect(after.tables[`processed.${dataset}`]?.duckdb_rows, dataset).toBe(expected);
    }
    expect(after.tables['processed.events']?.snapshots).toBeGreaterThanOrEqual(2);

    // The marts, queried through the real engine by name: every processed event is a fact, and users who changed
    // have more than one SCD2 row with exactly one current.
    const totalEvents = (first.datasets.events?.accepted ?? 0) + (second.datasets.events?.accepted ?? 0);
    expect(second.marts['marts.fct_events']).toBe(totalEvents);
    expect(query('select count(*) as n from marts.fct_events')).toEqual([{ n: totalEvents }]);
    const history = query(
      'select count(*) as versions, count(*) filter (where valid_to is null) as current from marts.dim_users group by user_id having count(*) > 1',
    );
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((h) => h.current === 1)).toBe(true);
  }, 300_000);

  it('recorded both runs as succeeded with their counts and snapshot ids', async () => {
    const store = new SqliteMetadataStore(metadataDbPath(warehouse));
    const runs = await store.listRuns(PIPELINE_NAME);
    await store.close();
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.status).toBe('succeeded');
      expect(run.counts.events?.received).toBe(3000);
      expect(run.snapshotIds['processed.events']).toMatch(/^\d+$/);
    }
  });
});
