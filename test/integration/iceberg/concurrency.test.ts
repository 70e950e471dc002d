// Eight processes append to one table at once through the SQL catalog (one SQLite file). Every commit must land
// (conflicts are retried on the new base), the row count must be exact, and history must be one linear chain:
// no snapshot orphaned, and no file left behind by a losing attempt.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventRecords } from '../../../src/sample/generate.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { check, runCli, writeLines, type CheckReport } from './helpers.ts';

const WRITERS = 8;

describe(`${WRITERS} concurrent writers through the SQL catalog`, () => {
  const dir = tempDir('lakehouse-concurrent-');
  const warehouse = join(dir, 'warehouse');
  let outputs: { committed: boolean; accepted: number; snapshot_id: string; attempts: number }[];
  let report: CheckReport;

  beforeAll(async () => {
    const files = Array.from({ length: WRITERS }, (_, i) =>
      writeLines(join(dir, `in-${i}.ndjson`), eventRecords(150, { seed: 100 + i, invalidRate: 0 })),
    );
    // All writers write their data files, then wait at a barrier and are released together, so that their
    // commits really race (otherwise process start-up times could serialise them).
    const barrier = join(dir, 'barrier');
    const running = Promise.all(
      files.map((file) =>
        runCli(['ingest', file, '--table', 'raw.events', '--contract', 'events', '--warehouse', warehouse], {
          LAKEHOUSE_BARRIER_AT: 'after-data-files',
          LAKEHOUSE_BARRIER_FILE: barrier,
        }),
      ),
    );
    const deadline = Date.now() + 60_000;
    while (readdirSync(dir).filter((n) => n.startsWith('barrier.')).length < WRITERS && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    writeFileSync(barrier, '');
    const results = await running;
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    outputs = results.map((r) => JSON.parse(r.stdout) as (typeof outputs)[number]);
    report = check({
      database: join(warehouse, 'catalog.db'),
      warehouse: `file://${warehouse}`,
      scans: [{ table: 'raw.events', count_only: true }],
      inspect: ['raw.events'],
    });
  });

  it('lands every commit with the exact row count', () => {
    expect(outputs.every((o) => o.committed)).toBe(true);
    // The writers did collide: some commits needed more than one attempt.
    expect(outputs.reduce((n, o) => n + o.attempts, 0)).toBeGreaterThan(WRITERS);
    expect(report.scans[0]?.num_rows).toBe(outputs.reduce((n, o) => n + o.accepted, 0));
    expect(report.scans[0]?.num_rows).toBe(WRITERS * 150);
  });

  it('keeps one linear history holding every writer snapshot, with nothing orphaned', () => {
    const snapshots = report.inspect['raw.events']?.snapshots ?? [];
    expect(snapshots.map((s) => s.snapshot_id).sort()).toEqual(outputs.map((o) => o.snapshot_id).sort());
    expect(snapshots.map((s) => s.operation)).toEqual(new Array(WRITERS).fill('append'));
    snapshots.forEach((s, i) => expect(s.parent_id).toBe(i === 0 ? null : snapshots[i - 1]?.snapshot_id));
    expect(report.inspect['raw.events']?.current_snapshot_id).toBe(snapshots.at(-1)?.snapshot_id);
    // Losing attempts removed their metadata files and manifest lists: one of each per commit remains.
    const metadataDir = join(warehouse, 'raw/events/metadata');
    const names = readdirSync(metadataDir);
    expect(names.filter((n) => n.endsWith('.metadata.json'))).toHaveLength(WRITERS + 1);
    expect(names.filter((n) => n.startsWith('snap-')).sort()).toEqual(
      snapshots.map((s) => s.manifest_list.split('/').at(-1)).sort(),
    );
  });
});
