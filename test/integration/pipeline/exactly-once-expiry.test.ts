// Exactly once must survive snapshot expiry: a batch committed before `maintain --expire-older-than` removed its
// snapshot (and the checkpoint in that snapshot's summary) is still recognised when it comes again — through the CLI
// `ingest` path (ingest A → ingest B → expire → ingest A) and through the stream processor (batch A → batch B →
// expire → A redelivered, A and B from different shards). Rows are counted by pyiceberg.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../../src/api/envelope.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import { expireSnapshots } from '../../../src/iceberg/maintenance.ts';
import { Table } from '../../../src/iceberg/table.ts';
import { warehouseProcessor } from '../../../src/pipeline/local-processor.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { formatSequenceNumber } from '../../../src/stream/local.ts';
import type { ConsumedRecord } from '../../../src/stream/types.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { runCli, writeLines } from '../iceberg/helpers.ts';

type Counts = Record<string, { rows: number; distinct: number }>;

function counts(warehouse: string, tables: Record<string, string>): Counts {
  return runPythonJson<Counts>('tools', join(import.meta.dirname, 'table_counts.py'), { warehouse, tables });
}

describe('exactly once across snapshot expiry', () => {
  it('lakehouse ingest: A, B, expire, A again commits nothing', async () => {
    const dir = tempDir('lakehouse-expiry-cli-');
    const warehouse = join(dir, 'warehouse');
    const a = writeLines(join(dir, 'a.ndjson'), eventRecords(150, { seed: 31, invalidRate: 0 }));
    const b = writeLines(join(dir, 'b.ndjson'), eventRecords(90, { seed: 32, invalidRate: 0 }));
    const cli = async (...args: string[]): Promise<Record<string, unknown>> => {
      const r = await runCli([...args, '--warehouse', warehouse]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const ingest = (file: string) => cli('ingest', file, '--table', 'processed.events', '--contract', 'events');

    expect(await ingest(a)).toMatchObject({ committed: true, accepted: 150 });
    expect(await ingest(b)).toMatchObject({ committed: true, accepted: 90 });
    const maintained = (await cli('maintain', 'processed.events', '--expire-older-than', '0s')) as {
      expired: { snapshots: string[] };
    };
    expect(maintained.expired.snapshots).toHaveLength(1); // A's snapshot is gone, B's is current
    expect(await ingest(a)).toMatchObject({ committed: false, reason: 'checkpoint already committed' });
    expect(await ingest(b)).toMatchObject({ committed: false });
    expect(counts(warehouse, { 'processed.events': 'event_id' })['processed.events']).toEqual({
      rows: 240,
      distinct: 240,
    });
  }, 120_000);

  it('stream processor: batch A, batch B, expire both layers, A redelivered is a duplicate', async () => {
    const warehouse = tempDir('lakehouse-expiry-stream-');
    const contract = await loadContract('events');
    const { processor, catalog, metadata } = warehouseProcessor(warehouse, {
      contracts: [contract],
      streamName: 'ingest',
    });
    // Two Kinesis shards: each is its own checkpoint source, so B's snapshot does not carry A's checkpoint.
    let offset = 0;
    const batch = (job: string, shardId: string, lines: readonly string[]): ConsumedRecord[] =>
      toStreamRecords(job, 'events', lines).map((r) => ({
        sequenceNumber: formatSequenceNumber(offset++),
        shardId,
        partitionKey: r.partitionKey,
        data: r.data,
        approximateArrivalTimestamp: Date.now(),
      }));
    const batchA = batch('job-a', 'shardId-000000000000', [...eventRecords(120, { seed: 41, invalidRate: 0 })]);
    const batchB = batch('job-b', 'shardId-000000000001', [...eventRecords(80, { seed: 42, invalidRate: 0 })]);
    expect((await processor.handle(batchA)).batchItemFailures).toEqual([]);
    expect((await processor.handle(batchB)).batchItemFailures).toEqual([]);
    for (const name of ['raw.events', 'processed.events']) {
      const [namespace, table] = name.split('.') as [string, string];
      const expired = await expireSnapshots(await Table.load(catalog, { namespace, name: table }), {
        olderThanMs: Date.now() + 1000,
      });
      expect(expired.expiredSnapshots, name).toHaveLength(1);
    }
    expect((await processor.handle(batchA)).batchItemFailures).toEqual([]); // redelivered after a crash
    expect(processor.outcomes.map((o) => o.duplicate)).toEqual([false, false, true]);
    await catalog.close();
    await metadata.close();
    const read = counts(warehouse, { 'raw.events': 'stream_position', 'processed.events': 'event_id' });
    expect(read['processed.events']).toEqual({ rows: 200, distinct: 200 });
    expect(read['raw.events']?.rows).toBe(200);
  }, 120_000);
});
