// The table operations on a local SQL catalog, checked with our own readers (pyiceberg checks them in the
// integration tests): schema mapping, evolution rules, commit conflicts retried on the new base, checkpoints.
import { describe, expect, it } from 'vitest';
import { SqlCatalog } from '../../../src/catalog/sql.ts';
import { parseTableIdentifier } from '../../../src/catalog/catalog.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import { commitWithRetry } from '../../../src/iceberg/commit.ts';
import { ancestors } from '../../../src/iceberg/metadata.ts';
import { readDataFile } from '../../../src/iceberg/reader.ts';
import { evolveSchema, fieldsOfSchema, schemaFromFields, currentSchema } from '../../../src/iceberg/schema.ts';
import { liveFiles, SnapshotProducer } from '../../../src/iceberg/snapshot.ts';
import {
  CHECKPOINT_HISTORY,
  CHECKPOINT_HISTORY_LIMIT,
  CHECKPOINT_SOURCE,
  committedCheckpoint,
  withCheckpoint,
} from '../../../src/iceberg/checkpoints.ts';
import { expireSnapshots } from '../../../src/iceberg/maintenance.ts';
import { Table } from '../../../src/iceberg/table.ts';
import type { TableMetadata } from '../../../src/iceberg/types.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { eventsBatch } from './helpers.ts';

describe('Iceberg schema from a contract', () => {
  it('maps types, keeps field ids and marks only required non-null fields required', async () => {
    const orders = await loadContract('orders');
    const schema = schemaFromFields(orders.fields, 0);
    const byName = Object.fromEntries(schema.fields.map((f) => [f.name, f]));
    expect(byName.order_ts).toMatchObject({ id: 4, required: true, type: 'timestamptz' });
    expect(byName.order_number).toMatchObject({ id: 2, type: 'long' });
    expect(byName.total_amount).toMatchObject({ id: 7, type: 'decimal(12, 2)' });
    expect(byName.discount_rate).toMatchObject({ id: 8, required: false, type: 'double' });
    expect(byName.line_items?.type).toMatchObject({ type: 'list', 'element-id': 12, 'element-required': true });
    expect(fieldsOfSchema(schema).map((f) => f.id)).toEqual(orders.fields.map((f) => f.id));
  });

  it('evolves by field id: optional additions and widening only', () => {
    const base = schemaFromFields([], 0);
    const current = { ...base, fields: [{ id: 1, name: 'n', required: false, type: 'int' }] };
    const widened = evolveSchema(current, [{ id: 1, name: 'n', required: false, type: 'long' }], 1);
    expect(widened?.widened).toEqual(['n']);
    expect(widened?.schema['schema-id']).toBe(1);
    const added = evolveSchema(current, [...current.fields, { id: 2, name: 'm', required: false, type: 'string' }], 1);
    expect(added?.added).toEqual(['m']);
    expect(evolveSchema(current, current.fields, 1)).toBeUndefined();
    expect(() => evolveSchema(current, [{ id: 1, name: 'n', required: false, type: 'string' }], 1)).toThrow(
      /field "n" \(id 1\) cannot change from "int" to "string"/,
    );
    expect(() =>
      evolveSchema(current, [...current.fields, { id: 2, name: 'm', required: true, type: 'string' }], 1),
    ).toThrow(/new field "m" \(id 2\) must be optional/);
  });
});

describe('commits on the SQL catalog', () => {
  const dir = tempDir('lakehouse-table-');

  it('re-applies a change on the new base after a conflict, keeping the other writer’s snapshot', async () => {
    const contract = await loadContract('events');
    const catalog = new SqlCatalog({ warehouse: `${dir}/w1` });
    const id = parseTableIdentifier('raw.events');
    const mine = await Table.create(catalog, id, contract);
    const theirs = await Table.load(catalog, id);
    const myBatch = eventsBatch(contract, 1);
    const files = await mine.writeFiles(myBatch);
    const producer = new SnapshotProducer(catalog.io, { operation: 'append', added: files });
    let theirSnapshot: bigint | undefined;
    const committed = await commitWithRetry(catalog, id, async (base) => {
      if (theirSnapshot === undefined) {
        // The other writer commits after we read the base: our first attempt must lose.
        theirSnapshot = (await theirs.append(eventsBatch(contract, 2))).snapshotId;
      }
      const produced = await producer.produce(base.metadata, base.metadataLocation);
      return { metadata: produced.metadata, result: produced.snapshotId, attemptFiles: produced.attemptFiles };
    });
    expect(committed.attempts).toBe(2);
    const chain = ancestors(committed.metadata).map((s) => s['snapshot-id']);
    expect(chain).toEqual([producer.snapshotId, theirSnapshot]);
    expect(committed.metadata.snapshots.at(-1)?.['sequence-number']).toBe(2n);
    const live = await liveFiles(catalog.io, committed.metadata);
    const rows = live.reduce((n, f) => n + f.entry.dataFile.recordCount, 0n);
    expect(rows).toBe(100n);
    // Sequence numbers are inherited from the manifest list: theirs 1, ours 2.
    expect(new Set(live.map((f) => f.entry.sequenceNumber))).toEqual(new Set([1n, 2n]));
    await catalog.close();
  });

  it('commits a checkpoint once: the same or an older offset is a no-op', async () => {
    const contract = await loadContract('events');
    const catalog = new SqlCatalog({ warehouse: `${dir}/w2` });
    const table = await Table.createOrLoad(catalog, parseTableIdentifier('raw.events'), contract);
    const batch = eventsBatch(contract, 3);
    const first = await table.append(batch, { checkpoint: { source: 'kinesis:shard-1', offset: 10n } });
    expect(first.noop).toBe(false);
    expect((await table.append(batch, { checkpoint: { source: 'kinesis:shard-1', offset: 10n } })).noop).toBe(true);
    expect((await table.append(batch, { checkpoint: { source: 'kinesis:shard-1', offset: 9n } })).noop).toBe(true);
    expect((await table.append(batch, { checkpoint: { source: 'kinesis:shard-2', offset: 1n } })).noop).toBe(false);
    expect((await table.append(batch, { checkpoint: { source: 'kinesis:shard-1', offset: 11n } })).noop).toBe(false);
    expect(table.metadata.snapshots).toHaveLength(3);
    expect(table.metadata.snapshots[0]?.summary).toMatchObject({
      'lakehouse.checkpoint.source': 'kinesis:shard-1',
      'lakehouse.checkpoint.offset': '10',
    });
    await catalog.close();
  });

  it('keeps a committed checkpoint through snapshot expiry: the history lives in a table property', async () => {
    const contract = await loadContract('events');
    const catalog = new SqlCatalog({ warehouse: `${dir}/w6` });
    const table = await Table.createOrLoad(catalog, parseTableIdentifier('raw.events'), contract);
    const a = { source: 'sha256:a', offset: 100n };
    const b = { source: 'sha256:b', offset: 200n };
    expect((await table.append(eventsBatch(contract, 6), { checkpoint: a })).noop).toBe(false);
    expect((await table.append(eventsBatch(contract, 7), { checkpoint: b })).noop).toBe(false);
    const expired = await expireSnapshots(table, { olderThanMs: Date.now() + 1000 });
    expect(expired.expiredSnapshots).toHaveLength(1); // A's snapshot, and with it A's summary, is gone
    await table.refresh();
    expect(table.metadata.snapshots.map((s) => s.summary[CHECKPOINT_SOURCE])).toEqual(['sha256:b']);
    expect(committedCheckpoint(table.metadata, a.source)).toBe(100n);
    expect((await table.append(eventsBatch(contract, 6), { checkpoint: a })).noop).toBe(true);
    expect((await table.append(eventsBatch(contract, 6), { checkpoint: { ...a, offset: 101n } })).noop).toBe(false);
    const live = await liveFiles(catalog.io, table.metadata);
    expect(live.reduce((n, f) => n + f.entry.dataFile.recordCount, 0n)).toBe(150n);
    await catalog.close();
  });

  it('bounds the checkpoint history: the least recently committed sources fall out first', () => {
    const base = { properties: {}, snapshots: [] } as unknown as TableMetadata;
    let metadata = base;
    for (let i = 0; i < 5; i++) metadata = withCheckpoint(metadata, { source: `s${i}`, offset: BigInt(i) }, 3);
    metadata = withCheckpoint(metadata, { source: 's2', offset: 1n }, 3); // re-committed: newest, offset kept at 2
    expect(JSON.parse(metadata.properties[CHECKPOINT_HISTORY] ?? '')).toEqual([
      ['s3', '3'],
      ['s4', '4'],
      ['s2', '2'],
    ]);
    expect(committedCheckpoint(metadata, 's1')).toBeUndefined();
    expect(committedCheckpoint(metadata, 's4')).toBe(4n);
    expect(CHECKPOINT_HISTORY_LIMIT).toBe(500);
  });

  it('turns a concurrent re-run of a committed checkpoint into a no-op and removes its files', async () => {
    const contract = await loadContract('events');
    const catalog = new SqlCatalog({ warehouse: `${dir}/w5` });
    const id = parseTableIdentifier('raw.events');
    const first = await Table.createOrLoad(catalog, id, contract);
    const second = await Table.load(catalog, id);
    const batch = eventsBatch(contract, 5);
    const checkpoint = { source: 'file:x', offset: 1n };
    // Both runs wrote their files before either committed.
    const filesA = await first.writeFiles(batch);
    const filesB = await second.writeFiles(batch);
    expect((await first.commitFiles('append', filesA, { checkpoint })).noop).toBe(false);
    const late = await second.commitFiles('append', filesB, { checkpoint });
    expect(late.noop).toBe(true);
    for (const f of filesB) expect(await catalog.io.exists(f.filePath)).toBe(false);
    for (const f of filesA) expect(await catalog.io.exists(f.filePath)).toBe(true);
    expect(second.metadata.snapshots).toHaveLength(1);
    await catalog.close();
  });

  it('reads its data files back exactly, by field id', async () => {
    const contract = await loadContract('events');
    const catalog = new SqlCatalog({ warehouse: `${dir}/w3` });
    const table = await Table.create(catalog, parseTableIdentifier('raw.events'), contract);
    const batch = eventsBatch(contract, 4, 30);
    const files = await table.writeFiles(batch);
    const fields = fieldsOfSchema(currentSchema(table.metadata));
    const byId = new Map<string, Record<string, unknown>>();
    for (const file of files) {
      const { rows, columns } = await readDataFile(await catalog.io.read(file.filePath), fields);
      expect(BigInt(rows)).toBe(file.recordCount);
      for (let i = 0; i < rows; i++) {
        const row = Object.fromEntries(fields.map((f) => [f.name, columns.get(f.name)?.[i]]));
        byId.set(row.event_id as string, row);
      }
    }
    const expected = batch.columns.get('event_id') ?? [];
    expect(byId.size).toBe(expected.length);
    expected.forEach((eventId, i) => {
      const row = byId.get(eventId as string);
      for (const f of fields) expect(row?.[f.name], f.name).toEqual(batch.columns.get(f.name)?.[i] ?? null);
    });
    await catalog.close();
  });

  it('rejects a bad table name and a missing table clearly', async () => {
    expect(() => parseTableIdentifier('events')).toThrow(/table must be <namespace>.<table>/);
    const catalog = new SqlCatalog({ warehouse: `${dir}/w4` });
    await expect(Table.load(catalog, parseTableIdentifier('raw.nope'))).rejects.toThrow(
      /no table raw\.nope in the catalog/,
    );
    await catalog.close();
  });
});
