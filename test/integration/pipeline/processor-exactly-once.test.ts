// Exactly once end to end in the stream processor: a batch that fails or is killed at any step — its quarantine
// write, between its table commits and its job updates, half way through its job updates — is finished by its
// redelivery, and nothing is written or counted twice: every record received is in raw once, accepted in
// processed once or quarantined once with its reason, and each job's counts add up to what the tables hold.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
import { LocalStream } from '../../../src/stream/index.ts';
import type { ConsumedRecord } from '../../../src/stream/types.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** Whether an injected failure happens before the call does its work, or after it (the answer lost). */
type FailureMode = 'before' | 'after';

interface Harness {
  readonly warehouse: string;
  readonly processor: StreamProcessor;
  readonly catalog: SqlCatalog;
  readonly metadata: SqliteMetadataStore;
}

async function harness(
  options: {
    quarantine?: (sink: QuarantineSink) => QuarantineSink;
    metadata?: (store: MetadataStore) => MetadataStore;
  } = {},
): Promise<Harness> {
  const warehouse = tempDir('processor-once-');
  const catalog = new SqlCatalog({ warehouse, name: 'lakehouse' });
  const metadata = new SqliteMetadataStore(metadataDbPath(warehouse));
  const sink = new FileIOQuarantine(new LocalFileIO(), join(warehouse, 'quarantine'));
  const processor = new StreamProcessor({
    contracts: [await loadContract('events')],
    tables: new IcebergTables(catalog),
    metadata: options.metadata?.(metadata) ?? metadata,
    quarantine: options.quarantine?.(sink) ?? sink,
    streamName: 'ingest',
  });
  return { warehouse, processor, catalog, metadata };
}

/** A sink whose first write fails: before writing anything, or after its object landed. */
function failingOnce(sink: QuarantineSink, mode: FailureMode): QuarantineSink {
  let calls = 0;
  return {
    async write(dataset, entries, batch) {
      if (++calls === 1 && mode === 'before') throw new Error('injected: quarantine store unavailable');
      await sink.write(dataset, entries, batch);
      if (calls === 1) throw new Error('injected: quarantine write timed out after it landed');
    },
  };
}

/** A metadata store whose first job write fails: before it is made, or after (the answer lost). */
function jobWritesFailingOnce(store: MetadataStore, mode: FailureMode): MetadataStore {
  let calls = 0;
  const jobWrites = new Set<PropertyKey>(['updateJob', 'applyJobParts']);
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (!jobWrites.has(name) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (++calls === 1 && mode === 'before') throw new Error('injected: metadata store unavailable');
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (calls === 1) throw new Error('injected: job write timed out after it landed');
        return result;
      };
    },
  });
}

/** Two jobs' records as one stream batch: the first job big enough to take two envelopes (two parts). */
function batch(invalidRate: number): { records: ConsumedRecord[]; jobs: Map<string, number> } {
  const big = [...eventRecords(4000, { seed: 5, invalidRate })];
  const small = [...eventRecords(300, { seed: 6, invalidRate, start: new Date(Date.UTC(2026, 10, 9)) })];
  let sequence = 0;
  const records = [...toStreamRecords('job-big', 'events', big), ...toStreamRecords('job-small', 'events', small)].map(
    (r) => ({
      ...r,
      sequenceNumber: String(++sequence).padStart(20, '0'),
      shardId: 'shard-0',
      approximateArrivalTimestamp: Date.UTC(2026, 10, 23, 8) + sequence,
    }),
  );
  return {
    records,
    jobs: new Map([
      ['job-big', big.length],
      ['job-small', small.length],
    ]),
  };
}

function quarantineEntries(warehouse: string, dataset: string): QuarantineEntry[] {
  const root = join(warehouse, 'quarantine', dataset);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => readFileSync(join(root, f), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line) as QuarantineEntry);
}

async function tableRows(catalog: SqlCatalog, namespace: string): Promise<number> {
  const table = await Table.load(catalog, { namespace, name: 'events' });
  return table.metadata.snapshots.reduce((n, s) => n + Number(s.summary['added-records'] ?? 0), 0);
}

/** Everything adds up: tables, quarantine and every job, each record counted once. */
async function expectExactlyOnce(h: Harness, jobs: ReadonlyMap<string, number>): Promise<void> {
  const received = [...jobs.values()].reduce((a, b) => a + b, 0);
  const quarantined = quarantineEntries(h.warehouse, 'events');
  const keys = new Set(quarantined.map((e) => `${e.source}#${e.line}`));
  expect(keys.size, 'a quarantine entry written twice').toBe(quarantined.length);
  expect(quarantined.every((e) => e.violations.length > 0 && e.reason)).toBe(true);
  const processed = await tableRows(h.catalog, 'processed');
  expect(await tableRows(h.catalog, 'raw')).toBe(received);
  expect(processed + quarantined.length).toBe(received);
  let accepted = 0;
  for (const [jobId, count] of jobs) {
    const job = await h.metadata.getJob(jobId);
    expect(job?.status, jobId).toBe('committed');
    expect(job?.counts.received, jobId).toBe(count);
    expect((job?.counts.accepted ?? 0) + (job?.counts.quarantined ?? 0), jobId).toBe(count);
    accepted += job?.counts.accepted ?? 0;
  }
  expect(accepted).toBe(processed);
}

async function putJobs(h: Harness, jobs: ReadonlyMap<string, number>): Promise<void> {
  for (const [jobId, received] of jobs) await h.metadata.putJob({ jobId, dataset: 'events', counts: { received } });
}

async function closing<T>(h: Harness, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await h.catalog.close();
    await h.metadata.close();
  }
}

describe('stream processor: exactly once when a step of a batch fails', () => {
  it.each<FailureMode>(['before', 'after'])(
    'a quarantine write that fails once (%s writing): the retry quarantines the batch once, counts add up',
    async (mode) => {
      const h = await harness({ quarantine: (sink) => failingOnce(sink, mode) });
      await closing(h, async () => {
        const { records, jobs } = batch(0.05);
        await putJobs(h, jobs);
        const first = await h.processor.handle(records);
        expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.sequenceNumber));
        // The retry, then a late redelivery of the same records.
        expect((await h.processor.handle(records)).batchItemFailures).toEqual([]);
        expect((await h.processor.handle(records)).batchItemFailures).toEqual([]);
        await expectExactlyOnce(h, jobs);
        expect(quarantineEntries(h.warehouse, 'events').length).toBeGreaterThan(100);
      });
    },
  );

  it.each<FailureMode>(['before', 'after'])(
    'a job update that fails once (%s writing) after the commits: the redelivery completes the jobs once',
    async (mode) => {
      const h = await harness({ metadata: (store) => jobWritesFailingOnce(store, mode) });
      await closing(h, async () => {
        const { records, jobs } = batch(0.05);
        await putJobs(h, jobs);
        expect((await h.processor.handle(records)).batchItemFailures).toHaveLength(records.length);
        expect((await h.processor.handle(records)).batchItemFailures).toEqual([]);
        expect((await h.processor.handle(records)).batchItemFailures).toEqual([]);
        await expectExactlyOnce(h, jobs);
        expect((await h.metadata.getJob('job-big'))?.counts.parts_done).toBe(2);
      });
    },
  );

  it('hostile values nested 100,000 deep, straight from the stream, are quarantined with their rule', async () => {
    const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const valid = JSON.parse([...eventRecords(1, { seed: 1, invalidRate: 0 })][0] as string) as Record<string, unknown>;
    const withValue = (key: string, value: string) => JSON.stringify({ ...valid, [key]: '§' }).replace('"§"', value);
    const lines = [
      deepArray(100_000),
      deepObject(100_000),
      withValue('event_id', deepArray(100_000)),
      withValue('properties', deepObject(100_000)),
      withValue('unknown', deepArray(100_000)),
    ];
    for (const engine of ['auto', 'general'] as const) {
      const h = await harness();
      await closing(h, async () => {
        const processor = new StreamProcessor({
          contracts: [await loadContract('events')],
          tables: new IcebergTables(h.catalog),
          metadata: h.metadata,
          quarantine: new FileIOQuarantine(new LocalFileIO(), join(h.warehouse, 'quarantine')),
          streamName: 'ingest',
          engine,
        });
        let sequence = 0;
        const records = lines.flatMap((line, k) =>
          toStreamRecords(`job-${k}`, 'events', [line]).map((r) => ({
            ...r,
            sequenceNumber: String(++sequence).padStart(20, '0'),
            shardId: 'shard-0',
            approximateArrivalTimestamp: Date.UTC(2026, 10, 23, 8),
          })),
        );
        // A version 1 envelope (records as JSON values) too deep to re-serialise: unreadable, with its reason.
        const v1 = `{"v":1,"jobId":"job-v1","dataset":"events","part":0,"parts":1,"records":[${deepArray(100_000)}]}`;
        records.push({
          ...(records[0] as ConsumedRecord),
          sequenceNumber: String(++sequence).padStart(20, '0'),
          data: Buffer.from(v1),
        });
        const jobs = new Map(lines.map((_, k) => [`job-${k}`, 1]));
        await putJobs(h, jobs);
        expect((await processor.handle(records)).batchItemFailures, engine).toEqual([]);
        await expectExactlyOnce(h, jobs);
        const entries = quarantineEntries(h.warehouse, 'events');
        expect(entries, engine).toHaveLength(lines.length);
        for (const entry of entries) expect(entry.violations[0]?.rule, engine).toMatch(/^[a-z_]+$/);
        const unreadable = quarantineEntries(h.warehouse, '_unreadable');
        expect(unreadable.map((e) => e.violations[0]?.rule)).toEqual(['envelope']);
      });
    }
  });
});

describe('stream processor killed with SIGKILL between its commits and its job updates', () => {
  it('the redelivery completes every job exactly once, also when the kill came half way through them', async () => {
    const warehouse = tempDir('processor-job-kill-');
    const lines = [...eventRecords(700, { seed: 31, invalidRate: 0.05 })];
    const jobs = new Map<string, number>();
    const stream = await LocalStream.open(warehouse, 'ingest');
    const metadata = new SqliteMetadataStore(metadataDbPath(warehouse));
    try {
      for (let at = 0; at < lines.length; at += 50) {
        const jobId = `job-${at}`;
        const part = lines.slice(at, at + 50);
        jobs.set(jobId, part.length);
        await metadata.putJob({ jobId, dataset: 'events', counts: { received: part.length } });
        expect((await stream.publish(toStreamRecords(jobId, 'events', part))).failedCount).toBe(0);
      }
    } finally {
      await stream.close();
    }
    const child = join(import.meta.dirname, '../../fixtures/processor-child.ts');
    const env = { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn' };
    // Killed before the first job update of the first batch (its commits done), then before the third update of
    // the redelivered batch (two jobs done again, which must change nothing), then left to finish.
    for (const point of ['before-job-update@1', 'before-job-update@3']) {
      const killed = spawnSync(process.execPath, [child, warehouse], {
        env: { ...env, LAKEHOUSE_FAILPOINT: point },
        encoding: 'utf8',
      });
      expect(killed.signal, `${point}: ${killed.stderr}`).toBe('SIGKILL');
    }
    const committedBefore = await Promise.all([...jobs.keys()].map((id) => metadata.getJob(id)));
    expect(committedBefore.filter((j) => j?.status === 'committed')).toHaveLength(2);
    const finish = spawnSync(process.execPath, [child, warehouse], { env, encoding: 'utf8' });
    expect(finish.status, finish.stderr).toBe(0);

    const catalog = new SqlCatalog({ warehouse, name: 'lakehouse' });
    try {
      const processed = await tableRows(catalog, 'processed');
      expect(await tableRows(catalog, 'raw')).toBe(lines.length);
      let accepted = 0;
      let quarantined = 0;
      for (const [jobId, count] of jobs) {
        const job = await metadata.getJob(jobId);
        expect(job?.status, jobId).toBe('committed');
        expect(job?.counts, jobId).toMatchObject({ received: count, parts_done: 1 });
        expect((job?.counts.accepted ?? 0) + (job?.counts.quarantined ?? 0), jobId).toBe(count);
        accepted += job?.counts.accepted ?? 0;
        quarantined += job?.counts.quarantined ?? 0;
      }
      expect(accepted).toBe(processed);
      expect(quarantined).toBeGreaterThan(0);
    } finally {
      await catalog.close();
      await metadata.close();
    }
  }, 120_000);
});
