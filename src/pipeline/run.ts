// `lakehouse run`, the main job on embedded defaults: sample → ingest API → stream → processor → raw and processed
// Iceberg tables → run record → dbt marts → quality checks → one summary. The components are the ones that run in
// AWS (the same API service, processor and record path), with local adapters: Fastify for API Gateway, the
// on-disk log for Kinesis, the SQL catalog for Glue, SQLite for DynamoDB, dbt-duckdb for Athena.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from '../api/server.ts';
import { IngestApi } from '../api/service.ts';
import { SqlCatalog } from '../catalog/sql.ts';
import { BUILTIN_CONTRACTS, loadContract } from '../contracts/load.ts';
import { createLogger } from '../log.ts';
import { SqliteMetadataStore, metadataDbPath } from '../metadata/index.ts';
import type { ApiJob, DatasetCounts } from '../metadata/types.ts';
import { LocalFileIO } from '../io/local.ts';
import { FileIOQuarantine } from '../processor/quarantine-sink.ts';
import { SAMPLE_DATASETS, type SampleDataset } from '../sample/generate.ts';
import { readEnvelope } from '../api/envelope.ts';
import { LocalStream, LogReader, localStreamDir } from '../stream/index.ts';
import { startLocalProcessor } from './local-processor.ts';
import { postRecords } from './client.ts';
import { dbtBuild, type DbtResult } from './dbt.ts';
import { RunLock, type Recovery } from './run-lock.ts';
import { runQuery } from '../iceberg/query/query.ts';

export const PIPELINE_NAME = 'lakehouse_local';
const STREAM = 'ingest';
const DAY_MS = 86_400_000;
const log = createLogger('run');

export interface RunOptions {
  readonly warehouse: string;
  readonly counts: Readonly<Record<SampleDataset, number>>;
  readonly seed: number;
  readonly invalidRate: number;
  /** Build the dbt marts (default true). */
  readonly dbt?: boolean;
  readonly progress?: (message: string) => void;
}

export interface DatasetSummary {
  received: number;
  accepted: number;
  quarantined: number;
  rejectedByApi: number;
  snapshots: string[];
}

export interface RunSummary {
  readonly runId: string;
  readonly run: number;
  readonly warehouse: string;
  readonly datasets: Record<string, DatasetSummary>;
  readonly latency: { readonly jobs: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  readonly marts: Record<string, number>;
  readonly quality: { readonly passed: number; readonly failed: number; readonly failures: string[] };
  readonly dbt?: { readonly ok: boolean; readonly seconds: number; readonly models: number; readonly tests: number };
  readonly paths: Record<string, string>;
  /**
   * What this run cleaned up after runs that were killed before they finished (run-lock.ts), and the jobs of such
   * runs that no run had counted: summed over all runs, own and recovered counts add up to the tables.
   */
  readonly recovered: Recovery & { readonly datasets: Record<string, RecoveredCounts> };
}

/** Jobs of earlier runs (killed, or failed before recording their counts) that this run saw committed. */
export interface RecoveredCounts {
  jobs: number;
  /** Records in those jobs (what reached the stream). */
  received: number;
  accepted: number;
  quarantined: number;
  /** Jobs the processor marked failed. */
  failedJobs: number;
}

export async function runLocalPipeline(options: RunOptions): Promise<RunSummary> {
  await mkdir(options.warehouse, { recursive: true });
  const metadata = new SqliteMetadataStore(metadataDbPath(options.warehouse));
  try {
    // One run per warehouse; taking the warehouse recovers from a run that was killed (run-lock.ts).
    const { lock, recovery } = await RunLock.acquire(options.warehouse, metadata, PIPELINE_NAME);
    try {
      return await runHoldingWarehouse(options, metadata, lock, recovery);
    } finally {
      await lock.release();
    }
  } finally {
    await metadata.close();
  }
}

async function runHoldingWarehouse(
  options: RunOptions,
  metadata: SqliteMetadataStore,
  lock: RunLock,
  recovery: Recovery,
): Promise<RunSummary> {
  const { warehouse } = options;
  const say = options.progress ?? (() => undefined);
  // Runs that were killed count too: each run, finished or not, had its own week of sample data.
  const run = (await metadata.listRuns(PIPELINE_NAME)).length;
  const runId = randomUUID();
  const executionDate = new Date().toISOString();
  await lock.record({ runId, executionDate });
  await metadata.startRun({ pipelineName: PIPELINE_NAME, executionDate, runId });
  // One file per write, renamed into place whole: a run killed mid-write leaves no partial quarantine file. The API's
  // rejections of this run's requests go to the run's own directory. The processor's go to one directory for the
  // warehouse, a file per stream batch: a batch a killed run left is finished by a later run, which then replaces
  // the killed run's file of that batch instead of writing its entries a second time elsewhere.
  const io = new LocalFileIO();
  const quarantineDir = join(warehouse, 'quarantine', `run-${String(run).padStart(4, '0')}-${runId.slice(0, 8)}`);
  const quarantine = new FileIOQuarantine(io, quarantineDir);
  const streamQuarantineDir = join(warehouse, 'quarantine', 'stream');
  const catalog = new SqlCatalog({ warehouse, name: 'lakehouse' });
  const stream = await LocalStream.open(warehouse, STREAM);
  const streamReader = new LogReader(localStreamDir(warehouse, STREAM));
  const contracts = await Promise.all(BUILTIN_CONTRACTS.map((name) => loadContract(name)));
  const datasets: Record<string, DatasetSummary> = {};
  try {
    const api = new IngestApi({
      contracts,
      stream,
      metadata,
      catalogHealth: async () => ({ ok: true, detail: { tables: (await catalog.listTables()).length } }),
    });
    const server = createServer(api);
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    const { consumer } = await startLocalProcessor({
      warehouse,
      stream: STREAM,
      contracts,
      catalog,
      metadata,
      quarantine: new FileIOQuarantine(io, streamQuarantineDir),
    });
    // The jobs no run has counted yet: what killed runs accepted (this run's processor commits any not yet committed).
    const ownStart = await streamReader.committedOffset();
    const unaccounted = await jobsInStream(
      streamReader,
      await lock.accountedStreamOffset(ownStart),
      ownStart,
      metadata,
    );
    const stop = new AbortController();
    const consuming = consumer.run(stop.signal);
    say(`ingest API on ${url}; processor consuming stream "${STREAM}"`);

    // Each run covers the next week of event time, with new orders and new versions of the same users.
    const start = new Date(Date.UTC(2026, 10, 1) + run * 7 * DAY_MS);
    const acceptedAt = new Map<string, number>();
    for (const dataset of ['users', 'events', 'orders'] as SampleDataset[]) {
      const lines = [
        ...SAMPLE_DATASETS[dataset](options.counts[dataset], {
          seed: options.seed, // one world per warehouse: each run is its next week (the window moves with `start`)
          invalidRate: options.invalidRate,
          users: options.counts.users,
          start,
          firstId: dataset === 'orders' ? 1 + run * options.counts.orders : 1,
        }),
      ];
      say(`posting ${lines.length} ${dataset} through the API`);
      const posted = await postRecords(url, dataset, lines, { source: `sample:${dataset}:run-${run}` });
      await quarantine.write(dataset, posted.quarantined);
      for (const [job, at] of posted.acceptedAt) acceptedAt.set(job, at);
      datasets[dataset] = {
        received: posted.received,
        accepted: 0,
        quarantined: posted.quarantined.length,
        rejectedByApi: posted.quarantined.length,
        snapshots: [],
      };
    }

    const ownEnd = await streamReader.committedOffset();

    say('waiting for the processor to commit every accepted job');
    const latencies = await waitForJobs(metadata, acceptedAt, 120_000);
    const recoveredJobs = await waitForJobs(metadata, unaccounted, 120_000);
    stop.abort();
    await consuming;
    await consumer.close();
    await server.close();

    // This run's counts are its own jobs' counts. The processor also commits what a killed run left in the stream
    // (exactly once), and those records are not this run's: counting processor outcomes would mix them in.
    for (const job of latencies.jobs) {
      const summary = datasets[job.dataset];
      if (!summary) continue;
      summary.accepted += job.counts.accepted ?? 0;
      summary.quarantined += job.counts.quarantined ?? 0;
      if (job.snapshotId && !summary.snapshots.includes(job.snapshotId)) summary.snapshots.push(job.snapshotId);
    }

    const recovered: Record<string, RecoveredCounts> = {};
    for (const job of recoveredJobs.jobs) {
      const counts = (recovered[job.dataset] ??= { jobs: 0, received: 0, accepted: 0, quarantined: 0, failedJobs: 0 });
      counts.jobs++;
      counts.received += job.counts.received ?? 0;
      counts.accepted += job.counts.accepted ?? 0;
      counts.quarantined += job.counts.quarantined ?? 0;
      if (job.status === 'failed') counts.failedJobs++;
    }
    if (recoveredJobs.jobs.length) log.warn({ recovered }, 'counted the jobs of runs that did not finish');

    let dbt: DbtResult | undefined;
    if (options.dbt !== false) {
      say('building the marts with dbt (local target: DuckDB over the Iceberg tables)');
      dbt = await dbtBuild(warehouse, {
        onLine: (line) => log.debug({ dbt: line }),
        onStart: (dbtPid) => lock.record({ runId, executionDate, dbtPid }),
      });
      await lock.record({ runId, executionDate });
    }
    const marts: Record<string, number> = {};
    if (dbt) {
      const models = dbt.results.filter(
        (r) =>
          r.uniqueId.startsWith('model.') &&
          r.uniqueId
            .split('.')
            .pop()
            ?.match(/^(fct|dim)_/),
      );
      for (const model of models) {
        const name = model.uniqueId.split('.').pop() as string;
        const result = await runQuery(`select count(*) as n from marts.${name}`, catalog);
        marts[`marts.${name}`] = Number(result.rows[0]?.[0] ?? 0);
      }
    }

    const failures: string[] = [];
    let passed = 0;
    const check = (ok: boolean, what: string) => (ok ? passed++ : failures.push(what));
    for (const [dataset, s] of Object.entries(datasets)) {
      check(
        s.received === s.accepted + s.quarantined,
        `${dataset}: received ${s.received} != accepted ${s.accepted} + quarantined ${s.quarantined}`,
      );
    }
    check(latencies.failed === 0, `${latencies.failed} jobs failed`);
    for (const r of dbt?.results ?? [])
      if (r.resourceType === 'test') check(r.status === 'pass', `dbt ${r.uniqueId}: ${r.status} ${r.message ?? ''}`);

    // The run record's counts: its own jobs', and beside them what it recovered, so that summed over the runs of
    // the pipeline they add up to the tables.
    const counts: DatasetCounts = Object.fromEntries(
      Object.entries(datasets).map(([d, s]) => {
        const r = recovered[d];
        return [
          d,
          {
            received: s.received,
            accepted: s.accepted,
            quarantined: s.quarantined,
            ...(r
              ? {
                  recoveredJobs: r.jobs,
                  recoveredReceived: r.received,
                  recoveredAccepted: r.accepted,
                  recoveredQuarantined: r.quarantined,
                }
              : {}),
          },
        ];
      }),
    );
    const snapshotIds = Object.fromEntries(
      Object.entries(datasets).flatMap(([d, s]) =>
        s.snapshots.length ? [[`processed.${d}`, s.snapshots[s.snapshots.length - 1] as string]] : [],
      ),
    );
    const ok = failures.length === 0 && (dbt?.ok ?? true);
    await metadata.finishRun(PIPELINE_NAME, executionDate, {
      status: ok ? 'succeeded' : 'failed',
      counts,
      snapshotIds,
      ...(ok ? {} : { error: failures.slice(0, 5).join('; ') || 'dbt build failed' }),
    });
    // Recorded: the jobs below ownEnd are counted (killed runs' in `recovered`, this run's in its own counts). A kill
    // between the two writes would have the next run count the recovered jobs a second time, never not at all.
    await lock.markAccounted(ownEnd);
    return {
      runId,
      run,
      warehouse,
      datasets,
      latency: latencies.summary,
      marts,
      quality: { passed, failed: failures.length, failures },
      ...(dbt
        ? {
            dbt: {
              ok: dbt.ok,
              seconds: dbt.elapsedSeconds,
              models: dbt.results.filter((r) => r.resourceType === 'model').length,
              tests: dbt.results.filter((r) => r.resourceType === 'test').length,
            },
          }
        : {}),
      paths: {
        catalog: join(warehouse, 'catalog.db'),
        tables: warehouse,
        marts: join(warehouse, 'marts.duckdb'),
        metadata: metadataDbPath(warehouse),
        stream: join(warehouse, 'stream', STREAM),
        quarantine: quarantineDir,
        streamQuarantine: streamQuarantineDir,
      },
      recovered: { ...recovery, datasets: recovered },
    };
  } catch (error) {
    await metadata
      .finishRun(PIPELINE_NAME, executionDate, { status: 'failed', error: (error as Error).message })
      .catch(() => undefined);
    throw error;
  } finally {
    await streamReader.close();
    await stream.close();
    await catalog.close();
  }
}

/**
 * The jobs whose records are in the stream between two offsets, each with when it was seen (for waitForJobs). A job
 * the metadata store no longer knows (its record expired) is left out: its counts cannot be known.
 */
async function jobsInStream(
  reader: LogReader,
  from: number,
  to: number,
  metadata: SqliteMetadataStore,
): Promise<Map<string, number>> {
  const seen = new Set<string>();
  for (let offset = from; offset < to;) {
    const entries = await reader.read(offset, Math.min(1000, to - offset));
    if (entries.length === 0) break;
    for (const entry of entries) {
      try {
        seen.add(readEnvelope(entry.data).header.jobId);
      } catch {
        // Not an envelope: no job to count (the processor quarantines it as unreadable).
      }
    }
    offset += entries.length;
  }
  const jobs = new Map<string, number>();
  for (const jobId of seen) if (await metadata.getJob(jobId)) jobs.set(jobId, Date.now());
  return jobs;
}

async function waitForJobs(
  metadata: SqliteMetadataStore,
  acceptedAt: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<{ failed: number; summary: RunSummary['latency']; jobs: ApiJob[] }> {
  const pending = new Set(acceptedAt.keys());
  const latencies: number[] = [];
  const jobs: ApiJob[] = [];
  let failed = 0;
  const deadline = Date.now() + timeoutMs;
  while (pending.size) {
    for (const jobId of [...pending]) {
      const job = await metadata.getJob(jobId);
      if (job?.status === 'committed' || job?.status === 'failed') {
        pending.delete(jobId);
        jobs.push(job);
        if (job.status === 'failed') failed++;
        latencies.push(Date.parse(job.updatedAt) - (acceptedAt.get(jobId) ?? Date.parse(job.createdAt)));
      }
    }
    if (!pending.size) break;
    if (Date.now() > deadline) throw new Error(`${pending.size} jobs were not committed within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  jobs.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  return {
    failed,
    jobs,
    summary: { jobs: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies[latencies.length - 1] ?? 0 },
  };
}
