// The local metadata store: SQLite through node:sqlite at `<warehouse>/metadata.db`. WAL mode lets the API server,
// the processor and the CLI (separate processes) read and write at once; every check-and-write is one statement
// (an upsert or UPDATE … WHERE status …), so the conditional rules hold across processes without explicit locks.
// synchronous=NORMAL: in WAL mode a process crash loses nothing; a power cut may lose the last commits, never
// corrupt the file — acceptable for run and job bookkeeping, and it keeps a job write per API request cheap.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Sqlite from 'node:sqlite';
import {
  canonicalTime,
  checkTransition,
  DEFAULT_JOB_TTL_SECONDS,
  JOB_STATUSES,
  MetadataConflictError,
  nowIso,
  RUN_STATUSES,
  assertName,
  withJobParts,
} from './types.ts';
import type {
  ApiJob,
  AppliedJobParts,
  DatasetCounts,
  FinishRun,
  JobParts,
  JobStatus,
  JobUpdate,
  JobUpdateResult,
  MetadataStore,
  PipelineRun,
  PutJob,
  RunStatus,
  StartRun,
  TimeRange,
} from './types.ts';

/** Loads node:sqlite, silencing only its "SQLite is an experimental feature" warning. */
function loadSqlite(): typeof Sqlite {
  // The very function is put back afterwards, so it is kept unbound and called with `process` as its receiver.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = process.emitWarning;
  const filtered = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const first = rest[0];
    const type = typeof first === 'string' ? first : (first as { type?: string } | undefined)?.type;
    const message = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && message.startsWith('SQLite')) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = filtered;
  try {
    return createRequire(import.meta.url)('node:sqlite') as typeof Sqlite;
  } finally {
    process.emitWarning = original;
  }
}

export function metadataDbPath(warehouse: string): string {
  return join(warehouse, 'metadata.db');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pipeline_runs (
  pipeline_name TEXT NOT NULL,
  execution_date TEXT NOT NULL,
  run_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at TEXT NOT NULL,
  ended_at TEXT,
  counts TEXT NOT NULL,
  snapshot_ids TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (pipeline_name, execution_date)
);
CREATE INDEX IF NOT EXISTS pipeline_runs_status_started_at ON pipeline_runs (status, started_at);
CREATE TABLE IF NOT EXISTS api_jobs (
  job_id TEXT PRIMARY KEY,
  dataset TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('accepted', 'processing', 'committed', 'failed')),
  counts TEXT NOT NULL,
  snapshot_id TEXT,
  reasons TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  parts TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS api_jobs_expires_at ON api_jobs (expires_at);
`;

type Row = Record<string, Sqlite.SQLOutputValue>;

function str(row: Row, key: string): string {
  return String(row[key]);
}

function optional(row: Row, key: string): string | undefined {
  const v = row[key];
  return v === null || v === undefined ? undefined : String(v);
}

function toRun(row: Row): PipelineRun {
  const endedAt = optional(row, 'ended_at');
  const error = optional(row, 'error');
  return {
    pipelineName: str(row, 'pipeline_name'),
    executionDate: str(row, 'execution_date'),
    runId: str(row, 'run_id'),
    status: str(row, 'status') as RunStatus,
    startedAt: str(row, 'started_at'),
    ...(endedAt !== undefined ? { endedAt } : {}),
    counts: JSON.parse(str(row, 'counts')) as DatasetCounts,
    snapshotIds: JSON.parse(str(row, 'snapshot_ids')) as Record<string, string>,
    ...(error !== undefined ? { error } : {}),
  };
}

function toJob(row: Row): ApiJob {
  const snapshotId = optional(row, 'snapshot_id');
  return {
    jobId: str(row, 'job_id'),
    dataset: str(row, 'dataset'),
    status: str(row, 'status') as JobStatus,
    counts: JSON.parse(str(row, 'counts')) as Record<string, number>,
    ...(snapshotId !== undefined ? { snapshotId } : {}),
    reasons: JSON.parse(str(row, 'reasons')) as string[],
    createdAt: str(row, 'created_at'),
    updatedAt: str(row, 'updated_at'),
    expiresAt: Number(row.expires_at),
  };
}

/** Runs a synchronous body so that a throw (bad input, conflict) becomes a rejection, as callers of a Promise API expect. */
function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function limitOf(limit: number | undefined): number {
  if (limit === undefined) return -1;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return limit;
}

export class SqliteMetadataStore implements MetadataStore {
  readonly path: string;
  private readonly db: Sqlite.DatabaseSync;
  private readonly statements = new Map<string, Sqlite.StatementSync>();
  private pendingJobs: { job: PutJob; resolve: (job: ApiJob) => void; reject: (error: Error) => void }[] = [];

  /** Opens (creating if needed) the store at `path`, e.g. `metadataDbPath(warehouse)`; `:memory:` for a private one. */
  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const { DatabaseSync } = loadSqlite();
    // The busy timeout makes a writer wait for another process's write transaction instead of failing.
    this.db = new DatabaseSync(path, { timeout: 10_000 });
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec(SCHEMA);
    // A store made before jobs recorded their applied parts gets the column (its jobs start with none applied).
    const columns = this.db.prepare('PRAGMA table_info(api_jobs)').all() as Row[];
    if (!columns.some((c) => c.name === 'parts'))
      this.db.exec(`ALTER TABLE api_jobs ADD COLUMN parts TEXT NOT NULL DEFAULT '{}'`);
  }

  /** Prepared once per SQL text: preparing is most of the cost of these small statements (a job write per request). */
  private statement(sql: string): Sqlite.StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  static forWarehouse(warehouse: string): SqliteMetadataStore {
    return new SqliteMetadataStore(metadataDbPath(warehouse));
  }

  startRun(run: StartRun): Promise<PipelineRun> {
    return settle(() => {
      assertName('pipelineName', run.pipelineName);
      assertName('runId', run.runId);
      const executionDate = canonicalTime('executionDate', run.executionDate);
      const startedAt = canonicalTime('startedAt', run.startedAt ?? nowIso());
      // Insert, or restart a finished run of the same key (a retry); never take over one that is running.
      const row = this.statement(
        `INSERT INTO pipeline_runs (pipeline_name, execution_date, run_id, status, started_at, ended_at, counts, snapshot_ids, error)
         VALUES (?, ?, ?, 'running', ?, NULL, '{}', '{}', NULL)
         ON CONFLICT (pipeline_name, execution_date) DO UPDATE SET
           run_id = excluded.run_id, status = 'running', started_at = excluded.started_at, ended_at = NULL,
           counts = '{}', snapshot_ids = '{}', error = NULL
         WHERE pipeline_runs.status <> 'running'
         RETURNING *`,
      ).get(run.pipelineName, executionDate, run.runId, startedAt);
      if (!row) {
        throw new MetadataConflictError(`run ${run.pipelineName} @ ${executionDate} is already running`);
      }
      return toRun(row);
    });
  }

  finishRun(pipelineName: string, executionDate: string, result: FinishRun): Promise<PipelineRun> {
    return settle(() => {
      if (result.status !== 'succeeded' && result.status !== 'failed') {
        throw new RangeError(`a run finishes as succeeded or failed, not ${JSON.stringify(result.status)}`);
      }
      const key = canonicalTime('executionDate', executionDate);
      const endedAt = canonicalTime('endedAt', result.endedAt ?? nowIso());
      const row = this.statement(
        `UPDATE pipeline_runs SET status = ?, ended_at = ?, counts = COALESCE(?, counts),
           snapshot_ids = COALESCE(?, snapshot_ids), error = ?
         WHERE pipeline_name = ? AND execution_date = ? AND status = 'running'
         RETURNING *`,
      ).get(
        result.status,
        endedAt,
        result.counts ? JSON.stringify(result.counts) : null,
        result.snapshotIds ? JSON.stringify(result.snapshotIds) : null,
        result.error ?? null,
        pipelineName,
        key,
      );
      if (!row) throw new MetadataConflictError(`run ${pipelineName} @ ${key} is not running`);
      return toRun(row);
    });
  }

  getRun(pipelineName: string, executionDate: string): Promise<PipelineRun | undefined> {
    return settle(() => {
      const row = this.statement('SELECT * FROM pipeline_runs WHERE pipeline_name = ? AND execution_date = ?').get(
        pipelineName,
        canonicalTime('executionDate', executionDate),
      );
      return row ? toRun(row) : undefined;
    });
  }

  listRuns(pipelineName: string, range: TimeRange = {}): Promise<PipelineRun[]> {
    return settle(() => {
      const from = range.from === undefined ? '' : canonicalTime('from', range.from);
      const to = range.to === undefined ? '\uffff' : canonicalTime('to', range.to);
      const rows = this.statement(
        `SELECT * FROM pipeline_runs WHERE pipeline_name = ? AND execution_date BETWEEN ? AND ?
         ORDER BY execution_date LIMIT ?`,
      ).all(pipelineName, from, to, limitOf(range.limit)) as Row[];
      return rows.map(toRun);
    });
  }

  listRunsByStatus(status: RunStatus, options: { since?: string; limit?: number } = {}): Promise<PipelineRun[]> {
    return settle(() => {
      if (!RUN_STATUSES.includes(status)) throw new RangeError(`unknown run status ${JSON.stringify(status)}`);
      const since = options.since === undefined ? '' : canonicalTime('since', options.since);
      const rows = this.statement(
        `SELECT * FROM pipeline_runs WHERE status = ? AND started_at >= ?
         ORDER BY started_at, pipeline_name, execution_date LIMIT ?`,
      ).all(status, since, limitOf(options.limit)) as Row[];
      return rows.map(toRun);
    });
  }

  /**
   * Job writes arriving together (one per API request) share one transaction: group commit, so that a burst of
   * small requests costs one WAL commit instead of one each. Each caller still gets its own result or error.
   */
  putJob(job: PutJob): Promise<ApiJob> {
    return new Promise<ApiJob>((resolve, reject) => {
      this.pendingJobs.push({ job, resolve, reject });
      if (this.pendingJobs.length === 1) setImmediate(() => this.flushJobs());
    });
  }

  private flushJobs(): void {
    const batch = this.pendingJobs;
    this.pendingJobs = [];
    const outcomes: ({ job: ApiJob } | { error: Error })[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const pending of batch) {
        try {
          outcomes.push({ job: this.insertJob(pending.job) });
        } catch (error) {
          outcomes.push({ error: error instanceof Error ? error : new Error(String(error)) });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const pending of batch) pending.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i] as { job: ApiJob } | { error: Error };
      if ('job' in outcome) pending.resolve(outcome.job);
      else pending.reject(outcome.error);
    });
  }

  private insertJob(job: PutJob): ApiJob {
    assertName('jobId', job.jobId);
    assertName('dataset', job.dataset);
    const createdAt = canonicalTime('createdAt', job.createdAt ?? nowIso());
    const ttl = job.ttlSeconds ?? DEFAULT_JOB_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
    const expiresAt = Math.floor(Date.parse(createdAt) / 1000) + ttl;
    // An expired job is as good as gone (DynamoDB's TTL deletes it lazily), so its id may be reused.
    const row = this.statement(
      `INSERT INTO api_jobs (job_id, dataset, status, counts, snapshot_id, reasons, created_at, updated_at, expires_at)
         VALUES (?, ?, 'accepted', ?, NULL, '[]', ?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET dataset = excluded.dataset, status = 'accepted', counts = excluded.counts,
           snapshot_id = NULL, reasons = '[]', created_at = excluded.created_at, updated_at = excluded.updated_at,
           expires_at = excluded.expires_at, parts = '{}'
         WHERE api_jobs.expires_at <= ?
         RETURNING *`,
    ).get(job.jobId, job.dataset, JSON.stringify(job.counts ?? {}), createdAt, createdAt, expiresAt, nowSeconds());
    if (!row) throw new MetadataConflictError(`job ${job.jobId} already exists`);
    return toJob(row);
  }

  async updateJob(
    jobId: string,
    expected: JobStatus | readonly JobStatus[],
    update: JobUpdate,
  ): Promise<JobUpdateResult> {
    const from: readonly JobStatus[] = typeof expected === 'string' ? [expected] : expected;
    if (!JOB_STATUSES.includes(update.status))
      throw new RangeError(`unknown job status ${JSON.stringify(update.status)}`);
    checkTransition(from, update);
    const row = this.statement(
      `UPDATE api_jobs SET status = ?, counts = COALESCE(?, counts), snapshot_id = COALESCE(?, snapshot_id),
           reasons = COALESCE(?, reasons), updated_at = ?
         WHERE job_id = ? AND expires_at > ? AND status IN (${from.map(() => '?').join(', ')})
         RETURNING *`,
    ).get(
      update.status,
      update.counts ? JSON.stringify(update.counts) : null,
      update.snapshotId ?? null,
      update.reasons ? JSON.stringify(update.reasons) : null,
      nowIso(),
      jobId,
      nowSeconds(),
      ...from,
    );
    if (row) return { updated: true, job: toJob(row) };
    return { updated: false, current: await this.getJob(jobId) };
  }

  applyJobParts(jobId: string, parts: JobParts): Promise<JobUpdateResult> {
    return settle(() => {
      // One write transaction: the read, the check of which parts were applied and the write are atomic across
      // processes (a second processor waits on the busy timeout).
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const row = this.statement('SELECT * FROM api_jobs WHERE job_id = ? AND expires_at > ?').get(
          jobId,
          nowSeconds(),
        );
        const job = row ? toJob(row) : undefined;
        const next = row && job && withJobParts(job, JSON.parse(str(row, 'parts')) as AppliedJobParts, parts);
        let result: JobUpdateResult = { updated: false, current: job };
        if (next) {
          const { update } = next;
          const updated = this.statement(
            `UPDATE api_jobs SET status = ?, counts = ?, snapshot_id = ?, parts = ?, updated_at = ?
             WHERE job_id = ? RETURNING *`,
          ).get(
            update.status,
            JSON.stringify(update.counts),
            update.snapshotId ?? null,
            JSON.stringify(next.applied),
            nowIso(),
            jobId,
          );
          if (updated) result = { updated: true, job: toJob(updated) };
        }
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  getJob(jobId: string): Promise<ApiJob | undefined> {
    return settle(() => {
      const row = this.statement('SELECT * FROM api_jobs WHERE job_id = ? AND expires_at > ?').get(jobId, nowSeconds());
      return row ? toJob(row) : undefined;
    });
  }

  /** Deletes expired jobs (reads already hide them); returns how many. */
  purgeExpiredJobs(): number {
    return Number(this.statement('DELETE FROM api_jobs WHERE expires_at <= ?').run(nowSeconds()).changes);
  }

  close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
    return Promise.resolve();
  }
}
