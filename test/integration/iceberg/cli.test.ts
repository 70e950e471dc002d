// The table commands end to end in child processes: ingest, tables, snapshots, query (DuckDB by field id, with
// the dbt marts file attached) and maintain (compaction, expiry, orphans) — each printing one JSON object.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventRecords } from '../../../src/sample/generate.ts';
import { venvPython } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { runCli, writeLines } from './helpers.ts';

describe('lakehouse ingest / tables / snapshots / query / maintain', () => {
  const dir = tempDir('lakehouse-cli-');
  const warehouse = join(dir, 'warehouse');
  const accepted: number[] = [];

  async function cli(...args: string[]): Promise<Record<string, unknown>> {
    const r = await runCli([...args, '--warehouse', warehouse]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    // node:sqlite's one experimental warning is filtered; nothing else is.
    expect(r.stderr).not.toMatch(/ExperimentalWarning/);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  beforeAll(async () => {
    for (const seed of [11, 12]) {
      const file = writeLines(join(dir, `e${seed}.ndjson`), eventRecords(200, { seed }));
      const out = await cli('ingest', file, '--table', 'raw.events', '--contract', 'events');
      expect(out).toMatchObject({ received: 200, committed: true });
      expect(out.quarantined).toBe(200 - (out.accepted as number));
      accepted.push(out.accepted as number);
    }
    // What dbt leaves behind: marts.duckdb with its models in the `marts` schema.
    execFileSync(venvPython('tools'), [
      '-c',
      `import duckdb; c = duckdb.connect(${JSON.stringify(join(warehouse, 'marts.duckdb'))}); c.execute("CREATE SCHEMA marts.marts; CREATE TABLE marts.marts.fct_orders AS SELECT 7 AS n")`,
    ]);
  });

  it('lists tables and snapshots', async () => {
    const tables = (await cli('tables')) as { tables: { table: string; records: number; snapshots: number }[] };
    expect(tables.tables).toEqual([
      expect.objectContaining({ table: 'raw.events', records: accepted[0]! + accepted[1]!, snapshots: 2 }),
    ]);
    const snapshots = (await cli('snapshots', 'raw.events')) as {
      snapshots: { operation: string; sequence_number: number }[];
    };
    expect(snapshots.snapshots.map((s) => [s.operation, s.sequence_number])).toEqual([
      ['append', 1],
      ['append', 2],
    ]);
  });

  it('queries the current snapshot in DuckDB, and the dbt marts next to it', async () => {
    const out = (await cli(
      'query',
      'SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM raw.events',
      '--summary',
    )) as {
      rows: number[][];
    };
    expect(out.rows).toEqual([[accepted[0]! + accepted[1]!, accepted[0]! + accepted[1]!]]);
    const marts = (await cli('query', 'SELECT n FROM marts.fct_orders', '--summary')) as { rows: number[][] };
    expect(marts.rows).toEqual([[7]]);
    const jsonLines = await runCli(['query', 'SELECT n FROM marts.fct_orders', '--json', '--warehouse', warehouse]);
    expect(jsonLines.stdout).toBe('{"n":7}\n');
    const table = await runCli(['query', 'SELECT n FROM marts.fct_orders', '--warehouse', warehouse]);
    expect(table.stdout).toBe('n\n─\n7\n(1 row)\n');
    const bad = await runCli(['query', 'SELECT nope FROM raw.events', '--warehouse', warehouse]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/lakehouse: query failed: BinderException: .*nope/);
  });

  it('compacts, expires and removes orphans, and the data stays the same', async () => {
    const out = (await cli(
      'maintain',
      'raw.events',
      '--compact',
      '--expire-older-than',
      '0s',
      '--remove-orphans',
      '--orphan-older-than',
      '0s',
    )) as {
      compaction: { rewritten_files: number; added_files: number; records: number };
      expired: { snapshots: string[] };
    };
    expect(out.compaction.records).toBe(accepted[0]! + accepted[1]!);
    expect(out.compaction.added_files).toBeLessThan(out.compaction.rewritten_files);
    expect(out.expired.snapshots).toHaveLength(2);
    const after = (await cli('query', 'SELECT count(*) FROM raw.events', '--summary')) as { rows: number[][] };
    expect(after.rows).toEqual([[accepted[0]! + accepted[1]!]]);
    const snapshots = (await cli('snapshots', 'raw.events')) as { snapshots: { operation: string }[] };
    expect(snapshots.snapshots.map((s) => s.operation)).toEqual(['replace']);
  });

  it('fails with one clear line for bad input', async () => {
    const missing = await runCli([
      'ingest',
      join(dir, 'nope.ndjson'),
      '--table',
      'raw.events',
      '--contract',
      'events',
      '--warehouse',
      warehouse,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^lakehouse: .*no such file.*nope\.ndjson$/);
    const badTable = await runCli(['snapshots', 'events', '--warehouse', warehouse]);
    expect(badTable.stderr).toMatch(/lakehouse: table must be <namespace>.<table>/);
    const noTable = await runCli(['snapshots', 'raw.nothing', '--warehouse', warehouse]);
    expect(noTable.stderr).toMatch(/lakehouse: no table raw\.nothing in the catalog/);
  });
});
