// kill -9 at the two dangerous moments of a commit — after the data files are written, and after the new
// metadata file is written but before the catalog points at it. The table must stay readable (pyiceberg) at the
// last committed state, a re-run must land the batch, and a third run must be a no-op (the checkpoint in the
// snapshot summary). Orphan removal then clears what the killed writers left behind.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqlCatalog } from '../../../src/catalog/sql.ts';
import { removeOrphanFiles } from '../../../src/iceberg/maintenance.ts';
import { Table } from '../../../src/iceberg/table.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { check, runCli, writeLines } from './helpers.ts';

describe('a writer killed mid-commit', () => {
  const dir = tempDir('lakehouse-crash-');
  const warehouse = join(dir, 'warehouse');
  const args = (file: string) => [
    'ingest',
    file,
    '--table',
    'raw.events',
    '--contract',
    'events',
    '--warehouse',
    warehouse,
  ];
  const count = () =>
    check({
      database: join(warehouse, 'catalog.db'),
      warehouse: `file://${warehouse}`,
      scans: [{ table: 'raw.events', count_only: true }],
      inspect: ['raw.events'],
    });

  it('leaves the table readable, and the re-run lands the batch exactly once', async () => {
    const first = writeLines(join(dir, 'first.ndjson'), eventRecords(200, { seed: 7, invalidRate: 0 }));
    const second = writeLines(join(dir, 'second.ndjson'), eventRecords(120, { seed: 8, invalidRate: 0 }));

    // 1. Killed after writing data files: nothing committed, table (created by this run) reads empty.
    const killed1 = await runCli(args(first), { LAKEHOUSE_FAILPOINT: 'after-data-files' });
    expect(killed1.signal).toBe('SIGKILL');
    let report = count();
    expect(report.scans[0]?.num_rows).toBe(0);
    expect(report.inspect['raw.events']?.snapshots).toHaveLength(0);

    const rerun1 = await runCli(args(first));
    expect(rerun1.code, rerun1.stderr).toBe(0);
    expect(JSON.parse(rerun1.stdout)).toMatchObject({ committed: true, accepted: 200 });
    const again1 = await runCli(args(first));
    expect(JSON.parse(again1.stdout)).toMatchObject({ committed: false, snapshot_id: null });

    // 2. Killed after writing the new metadata file, before the catalog update: still at the first batch.
    const killed2 = await runCli(args(second), { LAKEHOUSE_FAILPOINT: 'after-metadata-write' });
    expect(killed2.signal).toBe('SIGKILL');
    const metadataFiles = readdirSync(join(warehouse, 'raw/events/metadata')).filter((n) =>
      n.endsWith('.metadata.json'),
    );
    expect(metadataFiles.length).toBe(3); // created, first batch, and the one the killed writer never committed
    report = count();
    expect(report.scans[0]?.num_rows).toBe(200);

    const rerun2 = await runCli(args(second));
    expect(rerun2.code, rerun2.stderr).toBe(0);
    expect(JSON.parse(rerun2.stdout)).toMatchObject({ committed: true, accepted: 120 });
    const again2 = await runCli(args(second));
    expect(JSON.parse(again2.stdout)).toMatchObject({ committed: false });

    // The killed writers' files are orphans; removing them leaves the table intact.
    const catalog = new SqlCatalog({ warehouse });
    const table = await Table.load(catalog, { namespace: 'raw', name: 'events' });
    const { orphans } = await removeOrphanFiles(table, { olderThanMs: Date.now() + 1000 });
    await catalog.close();
    expect(orphans.some((p) => p.endsWith('.parquet'))).toBe(true);
    expect(orphans.some((p) => p.endsWith('.metadata.json'))).toBe(true);
    report = count();
    expect(report.scans[0]?.num_rows).toBe(320);
    expect(report.inspect['raw.events']?.snapshots.map((s) => s.operation)).toEqual(['append', 'append']);
    expect(report.inspect['raw.events']?.files.reduce((n, f) => n + f.record_count, 0)).toBe(320);
  });
});
