// Exactly once across Lambda's partial batch responses: a batch is retried from its first failed record, so when
// dataset X's record fails before dataset Y's, which commit, the retry holds Y's committed records again, followed
// by records the stream took since. Y's tables must get only the new ones, and every count must still add up.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../../src/api/envelope.ts';
import { SqlCatalog } from '../../../src/catalog/sql.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import { Table } from '../../../src/iceberg/table.ts';
import { LocalFileIO } from '../../../src/io/local.ts';
import { metadataDbPath, SqliteMetadataStore } from '../../../src/metadata/index.ts';
import type { MetadataStore } from '../../../src/metadata/types.ts';
import { IcebergTables } from '../../../src/processor/iceberg-tables.ts';
import { StreamProcessor } from '../../../src/processor/processor.ts';
import { FileIOQuarantine } from '../../../src/processor/quarantine-sink.ts';
import type { QuarantineSink } from '../../../src/processor/types.ts';
import type { QuarantineEntry } from '../../../src/records/pipeline.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import type { ConsumedRecord } from '../../../src/stream/types.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** Dataset X has no contract: it is kept in raw and quarantined, and its quarantine write is what fails. */
const X = 'clicks';
const Y = 'events';
const Y_RECORDS = 60;

/** A sink whose first write of `dataset` fails before writing anything. */
function failingOnceFor(sink: QuarantineSink, dataset: string): QuarantineSink {
  let failed = false;
  return {
    async write(name, entries, batch) {
      if (name === dataset && !failed) {
        failed = true;
        throw new Error(`injected: quarantine store unavailable for ${name}`);
      }
      await sink.write(name, entries, batch);
    },
  };
}

/** A metadata store whose first job write fails before it is made. */
function jobWritesFailingOnce(store: MetadataStore): MetadataStore {
  let failed = false;
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (name !== 'applyJobParts' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (!failed) {
          failed = true;
          throw new Error('injected: metadata store unavailable');
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** Stream records, one envelope each, with the given sequence numbers on one shard. */
function streamRecord(jobId: string, dataset: string, lines: readonly string[], sequence: number): ConsumedRecord {
  const [record] = toStreamRecords(jobId, dataset, lines);
  return {
    ...(record as NonNullable<typeof record>),
    sequenceNumber: String(sequence).padStart(20, '0'),
    shardId: 'shard-0',
    approximateArrivalTimestamp: Date.UTC(2026, 10, 23, 8) + sequence,
  };
}

/** The quarantine entries of `dataset`, read back through the same FileIO the sink wrote them with. */
async function quarantined(io: LocalFileIO, warehouse: string, dataset: string): Promise<QuarantineEntry[]> {
  const objects = await io.list(join(warehouse, 'quarantine', dataset));
  const texts = await Promise.all(objects.map(async ({ path }) => Buffer.from(await io.read(path)).toString('utf8')));
  return texts.flatMap((text) => text.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as QuarantineEntry);
}

/** The rows each snapshot of `<namespace>.<name>` added, oldest first. */
async function addedRecords(catalog: SqlCatalog, namespace: string, name: string): Promise<number[]> {
  const table = await Table.load(catalog, { namespace, name });
  return table.metadata.snapshots.map((s) => Number(s.summary['added-records'] ?? 0));
}

describe('stream processor: a retry from an earlier failed record of another dataset', () => {
  it.each([
    ['the first try commits Y and its jobs', false],
    ['the first try commits Y but not its jobs', true],
  ])('%s: Y gets only its new record, exactly once, and every count adds up', async (_name, jobsFail) => {
    const warehouse = tempDir('processor-partial-retry-');
    const catalog = new SqlCatalog({ warehouse, name: 'lakehouse' });
    const store = new SqliteMetadataStore(metadataDbPath(warehouse));
    const io = new LocalFileIO();
    const sink = new FileIOQuarantine(io, join(warehouse, 'quarantine'));
    const processor = new StreamProcessor({
      contracts: [await loadContract(Y)],
      tables: new IcebergTables(catalog),
      metadata: jobsFail ? jobWritesFailingOnce(store) : store,
      quarantine: failingOnceFor(sink, X),
      streamName: 'ingest',
    });
    try {
      // Y's records: three jobs, each with valid and invalid records (the invalid ones are quarantined).
      const yLines = [1, 2, 3].map((k) => [...eventRecords(Y_RECORDS, { seed: 40 + k, invalidRate: 0.1 })]);
      const jobs = new Map(yLines.map((lines, k) => [`job-y${k + 1}`, lines.length]));
      for (const [jobId, received] of jobs) await store.putJob({ jobId, dataset: Y, counts: { received } });
      const x1 = streamRecord('job-x1', X, ['{"click":1}', '{"click":2}'], 1);
      const [y1, y2, y3] = yLines.map((lines, k) => streamRecord(`job-y${k + 1}`, Y, lines, k + 2)) as [
        ConsumedRecord,
        ConsumedRecord,
        ConsumedRecord,
      ];

      // First try: X fails, Y commits (with jobsFail, Y's job update fails too and Y is reported as well).
      const first = await processor.handle([x1, y1, y2]);
      const failed = first.batchItemFailures.map((f) => f.itemIdentifier);
      expect(failed).toEqual(jobsFail ? [x1, y1, y2].map((r) => r.sequenceNumber) : [x1.sequenceNumber]);
      expect(await addedRecords(catalog, 'raw', Y)).toEqual([2 * Y_RECORDS]);

      // Lambda retries from the first failed record, X1: Y1 and Y2 again, then Y3 the stream took since.
      expect((await processor.handle([x1, y1, y2, y3])).batchItemFailures).toEqual([]);
      // A late redelivery of the same records changes nothing.
      expect((await processor.handle([x1, y1, y2, y3])).batchItemFailures).toEqual([]);

      // Raw holds Y1, Y2 (first try) and Y3 (the retry) once each; processed and the quarantine split them.
      const received = 3 * Y_RECORDS;
      expect(await addedRecords(catalog, 'raw', Y)).toEqual([2 * Y_RECORDS, Y_RECORDS]);
      const processedAdded = await addedRecords(catalog, 'processed', Y);
      expect(processedAdded).toHaveLength(2);
      const processed = processedAdded.reduce((a, b) => a + b, 0);
      const entries = await quarantined(io, warehouse, Y);
      expect(new Set(entries.map((e) => `${e.source}#${e.line}`)).size, 'a quarantine entry twice').toBe(
        entries.length,
      );
      expect(new Set(entries.map((e) => e.source.split(':')[1]))).toEqual(
        new Set([y1, y2, y3].map((r) => r.sequenceNumber)),
      );
      expect(entries.length).toBeGreaterThan(0);
      expect(processed + entries.length).toBe(received);

      // Each job counts its records once, and the jobs' accepted records are the processed rows.
      let accepted = 0;
      for (const [jobId, count] of jobs) {
        const job = await store.getJob(jobId);
        expect(job?.status, jobId).toBe('committed');
        expect(job?.counts.received, jobId).toBe(count);
        expect((job?.counts.accepted ?? 0) + (job?.counts.quarantined ?? 0), jobId).toBe(count);
        accepted += job?.counts.accepted ?? 0;
      }
      expect(accepted).toBe(processed);

      // The processor's own report: each of Y's records received once over the runs that wrote something.
      const written = processor.outcomes.filter((o) => o.dataset === Y && !o.duplicate);
      expect(written.reduce((n, o) => n + o.received, 0)).toBe(received);
      expect(written.reduce((n, o) => n + o.accepted, 0)).toBe(processed);

      // X was kept in raw once, and quarantined once (no contract).
      expect(await addedRecords(catalog, 'raw', X)).toEqual([2]);
      expect(await quarantined(io, warehouse, X)).toHaveLength(2);
    } finally {
      await catalog.close();
      await store.close();
    }
  });
});
