// The metadata store's interface: pipeline runs and API job statuses. Two implementations with one behaviour,
// checked by one contract test suite: SQLite locally (sqlite.ts), DynamoDB in AWS (dynamodb.ts).
//
// Field names are camelCase here; both stores persist them under the snake_case names below, which the cdktf
// stacks use for the DynamoDB key schema:
//   runs: pipeline_name (partition key), execution_date (sort key), run_id, status, started_at, ended_at, counts,
//         snapshot_ids, error; index `status-started_at` (status, started_at)
//   jobs: job_id (partition key), dataset, status, counts, snapshot_id, reasons, created_at, updated_at,
//         expires_at (epoch seconds, the DynamoDB TTL attribute), parts (the applied parts, see applyJobParts)

export type RunStatus = 'running' | 'succeeded' | 'failed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed'];

/** Counts per dataset, e.g. `{ events: { received: 10, accepted: 9, quarantined: 1 } }`. */
export type DatasetCounts = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface PipelineRun {
  readonly pipelineName: string;
  /** ISO-8601 UTC timestamp of the data interval (Airflow's logical date); with the pipeline name, the run's key. */
  readonly executionDate: string;
  /** The orchestrator's id for this try of the run (Airflow run_id, Step Functions execution name, a UUID). */
  readonly runId: string;
  readonly status: RunStatus;
  /** ISO-8601 UTC. */
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly counts: DatasetCounts;
  /** Iceberg snapshot ids committed by the run, per table (decimal strings: they are 64-bit). */
  readonly snapshotIds: Readonly<Record<string, string>>;
  readonly error?: string;
}

export interface StartRun {
  readonly pipelineName: string;
  readonly executionDate: string;
  readonly runId: string;
  /** Default: now. */
  readonly startedAt?: string;
}

export interface FinishRun {
  readonly status: Exclude<RunStatus, 'running'>;
  /** Default: now. */
  readonly endedAt?: string;
  readonly counts?: DatasetCounts;
  readonly snapshotIds?: Readonly<Record<string, string>>;
  readonly error?: string;
}

export interface TimeRange {
  /** Inclusive lower bound (ISO-8601). */
  readonly from?: string;
  /** Inclusive upper bound (ISO-8601). */
  readonly to?: string;
  readonly limit?: number;
}

export type JobStatus = 'accepted' | 'processing' | 'committed' | 'failed';
export const JOB_STATUSES: readonly JobStatus[] = ['accepted', 'processing', 'committed', 'failed'];

/** The only moves a job may make; `committed` and `failed` are final. */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  accepted: ['processing', 'committed', 'failed'],
  processing: ['processing', 'committed', 'failed'],
  committed: [],
  failed: [],
};

export interface ApiJob {
  readonly jobId: string;
  readonly dataset: string;
  readonly status: JobStatus;
  /** e.g. `{ received: 100, accepted: 97, quarantined: 3 }`. */
  readonly counts: Readonly<Record<string, number>>;
  readonly snapshotId?: string;
  /** Why the job failed (or notes on quarantined records). */
  readonly reasons: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Epoch seconds after which the job is gone (DynamoDB TTL); expired jobs are never returned. */
  readonly expiresAt: number;
}

export interface PutJob {
  readonly jobId: string;
  readonly dataset: string;
  readonly counts?: Readonly<Record<string, number>>;
  /** Default 7 days. */
  readonly ttlSeconds?: number;
  /** Default: now. */
  readonly createdAt?: string;
}

export interface JobUpdate {
  readonly status: JobStatus;
  readonly counts?: Readonly<Record<string, number>>;
  readonly snapshotId?: string;
  readonly reasons?: readonly string[];
}

/** `updated: false` when the job's status was not the expected one (or the job does not exist): nothing changed. */
export type JobUpdateResult =
  { readonly updated: true; readonly job: ApiJob } | { readonly updated: false; readonly current: ApiJob | undefined };

/** What one part of a job (one stream record, `part` of the envelope header) brought: its records' fates. */
export interface JobPart {
  readonly part: number;
  readonly received: number;
  readonly accepted: number;
  readonly quarantined: number;
}

export interface JobParts {
  /** The job's part count (the envelope header's `parts`): the job is committed once all of them are applied. */
  readonly parts: number;
  readonly applied: readonly JobPart[];
  readonly snapshotId?: string;
}

/** The parts a job has had applied, by part number: `[received, accepted, quarantined]`. Stored with the job. */
export type AppliedJobParts = Readonly<Record<string, readonly [number, number, number]>>;

export class MetadataConflictError extends Error {
  override readonly name = 'MetadataConflictError';
}

export interface MetadataStore {
  /** Records a run as `running`. Throws MetadataConflictError if that pipeline + execution date is already running. */
  startRun(run: StartRun): Promise<PipelineRun>;
  /** Ends a running run. Throws MetadataConflictError if it is not running (unknown, or already finished). */
  finishRun(pipelineName: string, executionDate: string, result: FinishRun): Promise<PipelineRun>;
  getRun(pipelineName: string, executionDate: string): Promise<PipelineRun | undefined>;
  /** Runs of a pipeline with `from ≤ executionDate ≤ to`, oldest first. */
  listRuns(pipelineName: string, range?: TimeRange): Promise<PipelineRun[]>;
  /** Runs in a status with `startedAt ≥ since`, oldest start first. */
  listRunsByStatus(
    status: RunStatus,
    options?: { readonly since?: string; readonly limit?: number },
  ): Promise<PipelineRun[]>;

  /** Records a new job as `accepted`. Throws MetadataConflictError if the job id exists. */
  putJob(job: PutJob): Promise<ApiJob>;
  /** Moves a job on only if its current status is one of `expected` and the move is allowed (JOB_TRANSITIONS). */
  updateJob(jobId: string, expected: JobStatus | readonly JobStatus[], update: JobUpdate): Promise<JobUpdateResult>;
  getJob(jobId: string): Promise<ApiJob | undefined>;
  /**
   * Applies job parts once each: the store records which parts a job has had applied, and a part applied before
   * changes nothing, so a redelivered batch can apply its parts again (its first try may have been killed before,
   * or after, its job update). The job's counts are the sums over its applied parts (`received` stays what the API
   * recorded), `parts_done` their number; it moves to `committed` when all parts are in, else to `processing`.
   * `updated: false` when there was nothing to change, or the job is gone or final.
   */
  applyJobParts(jobId: string, parts: JobParts): Promise<JobUpdateResult>;

  close(): Promise<void>;
}

export const DEFAULT_JOB_TTL_SECONDS = 7 * 24 * 3600;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Keys and dates are compared as text, so every timestamp is stored in one canonical form (`toISOString`, UTC,
 * milliseconds). Accepts a date (`2026-01-31`, midnight UTC) or a date-time with a zone; rejects anything else.
 */
export function canonicalTime(name: string, value: string): string {
  const ms = typeof value === 'string' && ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `${name} must be an ISO-8601 date or date-time with a zone (e.g. 2026-01-31T00:00:00Z), got ${JSON.stringify(value)}`,
    );
  }
  return new Date(ms).toISOString();
}

export function assertName(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
    throw new RangeError(`${name} must be a non-empty string of at most 1024 characters`);
  }
}

/** Validates a job update against the transition table; throws for a move no job may make. */
export function checkTransition(expected: readonly JobStatus[], update: JobUpdate): void {
  for (const from of expected) {
    if (!JOB_STATUSES.includes(from)) throw new RangeError(`unknown job status ${JSON.stringify(from)}`);
    if (!JOB_TRANSITIONS[from].includes(update.status)) {
      throw new RangeError(`a job cannot move from ${from} to ${update.status}`);
    }
  }
  if (expected.length === 0) throw new RangeError('updateJob needs at least one expected status');
}

/**
 * A job with more parts applied: the parts to store and the update to make, or undefined when the job is final or
 * every part was applied before. Both stores call it inside one atomic read-check-write.
 */
export function withJobParts(
  job: ApiJob,
  applied: AppliedJobParts,
  parts: JobParts,
): { readonly applied: AppliedJobParts; readonly update: JobUpdate } | undefined {
  if (job.status === 'committed' || job.status === 'failed') return undefined;
  const fresh = parts.applied.filter((p) => applied[String(p.part)] === undefined);
  if (fresh.length === 0) return undefined;
  const next: Record<string, readonly [number, number, number]> = { ...applied };
  for (const p of fresh) next[String(p.part)] = [p.received, p.accepted, p.quarantined];
  const all = Object.values(next);
  const sum = (i: 0 | 1 | 2) => all.reduce((n, counts) => n + counts[i], 0);
  const counts = {
    ...job.counts,
    received: job.counts.received ?? sum(0),
    accepted: sum(1),
    quarantined: sum(2),
    parts_done: all.length,
  };
  // The first snapshot that held the job's rows stays its snapshot: a redelivery reports the table's current one.
  const snapshotId = job.snapshotId ?? parts.snapshotId;
  return {
    applied: next,
    update: {
      status: all.length >= parts.parts ? 'committed' : 'processing',
      counts,
      ...(snapshotId !== undefined ? { snapshotId } : {}),
    },
  };
}

export function nowIso(): string {
  return new Date().toISOString();
}
