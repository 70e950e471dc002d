// The writer's whole lifecycle on one table, read back by independent readers: pyiceberg (scan at every
// snapshot, inspect.snapshots()/files(), partition pruning), fastavro (every manifest and manifest list: field
// ids and header keys) and DuckDB (iceberg_scan). Then expiry and orphan removal, read back again.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlCatalog } from '../../../src/catalog/sql.ts';
import { ingest } from '../../../src/cli/commands/ingest.ts';
import { contractFromDocument, loadContract } from '../../../src/contracts/load.ts';
import type { Contract } from '../../../src/contracts/model.ts';
import { compact, expireSnapshots, removeOrphanFiles } from '../../../src/iceberg/maintenance.ts';
import { Table } from '../../../src/iceberg/table.ts';
import { liveFiles } from '../../../src/iceberg/snapshot.ts';
import { eventRecords, orderRecords, userRecords } from '../../../src/sample/generate.ts';
import eventsDocument from '../../../src/contracts/datasets/events.json' with { type: 'json' };
import { tempDir } from '../../helpers/tmp.ts';
import { acceptedRows, check, normalizeRows, writeLines, type CheckReport, type PlainRow } from './helpers.ts';

const dir = tempDir('lakehouse-iceberg-');
const warehouse = join(dir, 'warehouse');
const database = join(warehouse, 'catalog.db');
const key = (r: PlainRow): string => JSON.stringify([r.event_id ?? r.order_id ?? r.user_id, r.updated_at ?? null]);

/** Events contract v2: one new optional column (new field id), as a contract file. */
function eventsV2(): { contract: Contract; path: string } {
  const document = structuredClone(eventsDocument) as Record<string, unknown> & {
    properties: Record<string, unknown>;
    'x-lakehouse': Record<string, unknown>;
  };
  document.properties.device = { type: ['string', 'null'], enum: ['ios', 'android', 'web', null], 'x-field-id': 13 };
  document['x-lakehouse'].version = 2;
  const path = join(dir, 'events-v2.json');
  writeFileSync(path, JSON.stringify(document));
  return { contract: contractFromDocument(document, path), path };
}

/** A minimal contract whose column `n` is an int (v1) and then a long (v2, which also adds `note`). */
function widenContract(version: 1 | 2): string {
  const path = join(dir, `widen-v${version}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      'x-lakehouse': { dataset: 'widen', version, primaryKey: ['id'] },
      required: ['id', 'n'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', 'x-field-id': 1 },
        n: { type: ['integer', 'string'], 'x-type': version === 1 ? 'int' : 'long', 'x-field-id': 2 },
        ...(version === 2 ? { note: { type: ['string', 'null'], 'x-field-id': 3 } } : {}),
      },
    }),
  );
  return path;
}

interface Step {
  snapshotId: string;
  rows: PlainRow[];
  columns: string[];
}

describe('Iceberg tables read back by pyiceberg, fastavro and DuckDB', () => {
  let events: Contract;
  let v2: { contract: Contract; path: string };
  const steps: Step[] = [];
  const logged: Record<string, { snapshotId: string; files: { path: string; records: number }[] }[]> = {};
  let report: CheckReport;
  let before: { live: string[]; all: string[] };

  beforeAll(async () => {
    events = await loadContract('events');
    v2 = eventsV2();
    const columnsV1 = [...events.fields.map((f) => f.name), '_source'];
    const columnsV2 = [...v2.contract.fields.map((f) => f.name), '_source'];
    const run = async (file: string, contract: string, mode: 'append' | 'overwrite' = 'append') => {
      const out = await ingest(file, { table: 'raw.events', contract, warehouse, mode });
      expect(out.committed).toBe(true);
      (logged['raw.events'] ??= []).push({ snapshotId: out.snapshot_id as string, files: out.files });
      return out;
    };
    // Two appends.
    const a = writeLines(join(dir, 'a.ndjson'), eventRecords(300, { seed: 1, invalidRate: 0.05 }));
    const b = writeLines(join(dir, 'b.ndjson'), eventRecords(300, { seed: 2, invalidRate: 0.05 }));
    const rowsA = await acceptedRows(a, events);
    const rowsB = await acceptedRows(b, events);
    steps.push({ snapshotId: (await run(a, 'events')).snapshot_id as string, rows: rowsA, columns: columnsV1 });
    steps.push({
      snapshotId: (await run(b, 'events')).snapshot_id as string,
      rows: [...rowsA, ...rowsB],
      columns: columnsV1,
    });
    // Schema evolution: contract v2 adds `device`; the third append carries it.
    const devices = ['ios', 'android', 'web', null];
    const c = writeLines(
      join(dir, 'c.ndjson'),
      [...eventRecords(300, { seed: 3, invalidRate: 0 })].map((line, i) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (devices[i % 4] !== null) record.device = devices[i % 4];
        return JSON.stringify(record);
      }),
    );
    const rowsC = await acceptedRows(c, v2.contract);
    const withDevice = (rows: PlainRow[]) => rows.map((r) => ({ device: null, ...r }));
    const afterC = [...withDevice(rowsA), ...withDevice(rowsB), ...rowsC];
    steps.push({ snapshotId: (await run(c, v2.path)).snapshot_id as string, rows: afterC, columns: columnsV2 });
    // Compaction: each day now has three small files.
    const catalog = new SqlCatalog({ warehouse });
    const table = await Table.load(catalog, { namespace: 'raw', name: 'events' });
    const compacted = await compact(table, { smallFileBytes: 1 << 20, minInputFiles: 2 });
    expect(compacted.rewrittenFiles).toBeGreaterThan(compacted.addedFiles);
    steps.push({ snapshotId: String(compacted.snapshotId), rows: afterC, columns: columnsV2 });
    // Dynamic partition overwrite of one day.
    const d = writeLines(
      join(dir, 'd.ndjson'),
      [...eventRecords(400, { seed: 4, invalidRate: 0 })].filter((l) => l.includes('"2026-11-02T')),
    );
    const rowsD = withDevice(await acceptedRows(d, events));
    expect(rowsD.length).toBeGreaterThan(10);
    const day = (r: PlainRow) => new Date(Number(BigInt(r.event_ts as string) / 1000n)).toISOString().slice(0, 10);
    const afterD = [...afterC.filter((r) => day(r) !== '2026-11-02'), ...rowsD];
    steps.push({
      snapshotId: (await run(d, v2.path, 'overwrite')).snapshot_id as string,
      rows: afterD,
      columns: columnsV2,
    });
    await table.refresh();
    // Orders and users: nested lists of structs, longs, decimals, dates; one append each.
    for (const [name, gen] of [
      ['orders', orderRecords],
      ['users', userRecords],
    ] as const) {
      const file = writeLines(join(dir, `${name}.ndjson`), gen(250, { seed: 5 }));
      const out = await ingest(file, { table: `raw.${name}`, contract: name, warehouse });
      (logged[`raw.${name}`] ??= []).push({ snapshotId: out.snapshot_id as string, files: out.files });
    }
    // Type widening (int → long) plus an added column, on a table of its own.
    await ingest(writeLines(join(dir, 'w1.ndjson'), ['{"id":"a","n":1}', '{"id":"b","n":-2147483648}']), {
      table: 'raw.widen',
      contract: widenContract(1),
      warehouse,
    });
    await ingest(writeLines(join(dir, 'w2.ndjson'), ['{"id":"c","n":"9007199254740993","note":"big"}']), {
      table: 'raw.widen',
      contract: widenContract(2),
      warehouse,
    });
    const live = (await liveFiles(catalog.io, table.metadata)).map((f) => f.entry.dataFile.filePath);
    before = { live, all: readdirSync(join(warehouse, 'raw/events/data'), { recursive: true }).map(String) };
    await catalog.close();

    report = check({
      database,
      warehouse: `file://${warehouse}`,
      scans: [
        ...steps.map((s) => ({ table: 'raw.events', snapshot_id: s.snapshotId })),
        { table: 'raw.events', row_filter: "event_ts >= '2026-11-06T00:00:00+00:00'", count_only: true },
        { table: 'raw.events', count_only: true },
        { table: 'raw.orders' },
        { table: 'raw.users' },
        { table: 'raw.widen' },
      ],
      inspect: ['raw.events', 'raw.orders', 'raw.users'],
      field_ids: {
        'raw.orders': [
          'order_id',
          'line_items',
          'line_items.element',
          'line_items.element.unit_price',
          'order_date',
          '_ingested_at',
          '_source',
        ],
        'raw.events': ['properties', 'properties.ab', 'event_date', 'device'],
      },
      avro_dirs: ['events', 'orders', 'users'].map((t) => join(warehouse, 'raw', t, 'metadata')),
      duckdb: [
        {
          sql: "SELECT count(*), count(device), sum(amount) FROM iceberg_scan('{metadata}')",
          metadata: table.metadataLocation,
        },
      ],
    });
  });

  afterAll(() => undefined);

  it('pyiceberg opens our SQL catalog file and lists every table', () => {
    expect(report.tables).toEqual(['raw.events', 'raw.orders', 'raw.users', 'raw.widen']);
  });

  it('scans equal the input exactly at every snapshot: two appends, schema evolution, compaction, overwrite', () => {
    expect(steps).toHaveLength(5);
    steps.forEach((step, i) => {
      const scan = report.scans[i];
      expect(scan?.snapshot_id).toBe(step.snapshotId);
      expect(scan?.num_rows).toBe(step.rows.length);
      const got = normalizeRows(scan?.rows ?? [], step.columns, key);
      expect(got).toEqual(normalizeRows(step.rows, step.columns, key));
      // Lineage: every row has an ingestion time.
      for (const row of scan?.rows ?? []) expect(String(row._ingested_at)).toMatch(/^\d{16}$/);
    });
  });

  it('reads nested lists of structs, decimals, longs and dates exactly (orders, users)', async () => {
    for (const name of ['orders', 'users']) {
      const contract = await loadContract(name);
      const expected = await acceptedRows(join(dir, `${name}.ndjson`), contract);
      const scan = report.scans.find((s) => s.table === `raw.${name}`);
      const columns = [...contract.fields.map((f) => f.name), '_source'];
      expect(scan?.num_rows).toBe(expected.length);
      expect(normalizeRows(scan?.rows ?? [], columns, key)).toEqual(normalizeRows(expected, columns, key));
    }
  });

  it('widens int to long and adds a column without rewriting old files', () => {
    const rows = report.scans.find((s) => s.table === 'raw.widen')?.rows ?? [];
    expect(normalizeRows(rows, ['id', 'n', 'note'], (r) => String(r.id as string))).toEqual([
      { id: 'a', n: 1, note: null },
      { id: 'b', n: -2147483648, note: null },
      { id: 'c', n: '9007199254740993', note: 'big' },
    ]);
  });

  it('keeps the contract field ids, nested ones included, through schema evolution', () => {
    expect(report.inspect['raw.orders']?.field_ids).toEqual({
      order_id: 1,
      line_items: 11,
      'line_items.element': 12,
      'line_items.element.unit_price': 16,
      order_date: 17,
      _ingested_at: 10001,
      _source: 10002,
    });
    expect(report.inspect['raw.events']?.field_ids).toEqual({
      properties: 8,
      'properties.ab': 11,
      event_date: 12,
      device: 13,
    });
  });

  it('inspect.snapshots() and inspect.files() agree with what the writer logged', () => {
    const inspected = report.inspect['raw.events'];
    expect(inspected?.snapshots.map((s) => s.snapshot_id)).toEqual(steps.map((s) => s.snapshotId));
    expect(inspected?.snapshots.map((s) => s.operation)).toEqual([
      'append',
      'append',
      'append',
      'replace',
      'overwrite',
    ]);
    expect(inspected?.snapshots.slice(1).map((s) => s.parent_id)).toEqual(steps.slice(0, -1).map((s) => s.snapshotId));
    expect(inspected?.current_snapshot_id).toBe(steps.at(-1)?.snapshotId);
    const last = inspected?.snapshots.at(-1)?.summary ?? {};
    expect(Number(last['total-records'])).toBe(steps.at(-1)?.rows.length);
    expect(inspected?.schema_fields).toContain('device');
    // files(): exactly the live files, with the record counts and sizes we logged.
    expect(inspected?.files.map((f) => f.file_path).sort()).toEqual([...before.live].sort());
    for (const name of ['raw.orders', 'raw.users']) {
      const logs = logged[name]?.[0];
      const files = report.inspect[name]?.files ?? [];
      expect(files.map((f) => [f.file_path, f.record_count]).sort()).toEqual(
        (logs?.files ?? []).map((f) => [f.path, f.records]).sort(),
      );
      for (const f of files) expect(f.file_size_in_bytes).toBe(statSync(f.file_path).size);
      expect(report.inspect[name]?.snapshots.map((s) => s.snapshot_id)).toEqual([logs?.snapshotId]);
    }
  });

  it('prunes files with a filter on the partition source column', () => {
    const filtered = report.scans[5];
    const all = report.scans[6];
    expect(filtered?.planned_files).toBeGreaterThan(0);
    expect(filtered?.planned_files).toBeLessThan(all?.planned_files ?? 0);
    expect(filtered?.num_rows).toBe(
      steps
        .at(-1)
        ?.rows.filter((r) => BigInt(r.event_ts as string) >= BigInt(Date.parse('2026-11-06T00:00:00Z')) * 1000n).length,
    );
  });

  it('fastavro reads every manifest and manifest list and finds a field id on every field', () => {
    expect(report.avro.length).toBeGreaterThan(10);
    for (const file of report.avro) {
      expect(file.missing_field_ids, file.path).toEqual([]);
      if (file.kind === 'manifest') {
        expect(file.keys).toEqual(
          expect.arrayContaining([
            'schema',
            'schema-id',
            'partition-spec',
            'partition-spec-id',
            'format-version',
            'content',
          ]),
        );
      } else {
        expect(file.keys).toEqual(
          expect.arrayContaining(['snapshot-id', 'parent-snapshot-id', 'sequence-number', 'format-version']),
        );
        // manifest_length is the exact byte size of each manifest.
        for (const [path, length] of Object.entries(file.manifest_lengths)) {
          if (existsSync(path)) expect(length).toBe(statSync(path).size);
        }
      }
    }
  });

  it('DuckDB iceberg_scan reads the current snapshot by field id', () => {
    const [[count, devices]] = report.duckdb[0] as [[number, number, string]];
    expect(count).toBe(steps.at(-1)?.rows.length);
    expect(devices).toBe(steps.at(-1)?.rows.filter((r) => r.device !== null).length);
  });

  it('expires snapshots with the files only they referenced, removes orphans, and the table still reads exactly', async () => {
    const catalog = new SqlCatalog({ warehouse });
    const table = await Table.load(catalog, { namespace: 'raw', name: 'events' });
    const stray = join(warehouse, 'raw/events/data/stray-from-a-killed-writer.parquet');
    writeFileSync(stray, 'not referenced by anything');
    const expired = await expireSnapshots(table, { olderThanMs: Date.now() + 1000, retainLast: 1 });
    expect(expired.expiredSnapshots).toEqual(steps.slice(0, -1).map((s) => s.snapshotId));
    const orphans = await removeOrphanFiles(table, { olderThanMs: Date.now() + 1000 });
    expect(orphans.orphans).toEqual([stray]);
    await catalog.close();
    // Every live file remains; every replaced or overwritten one is gone.
    for (const path of before.live) expect(existsSync(path), path).toBe(true);
    const remaining = readdirSync(join(warehouse, 'raw/events/data'), { recursive: true })
      .map(String)
      .filter((p) => p.endsWith('.parquet'));
    expect(remaining).toHaveLength(before.live.length);
    const after = check({
      database,
      warehouse: `file://${warehouse}`,
      scans: [{ table: 'raw.events' }],
      inspect: ['raw.events'],
    });
    const step = steps.at(-1) as Step;
    expect(normalizeRows(after.scans[0]?.rows ?? [], step.columns, key)).toEqual(
      normalizeRows(step.rows, step.columns, key),
    );
    expect(after.inspect['raw.events']?.snapshots.map((s) => s.snapshot_id)).toEqual([step.snapshotId]);
  });
});
