// The metadata store on DynamoDB (AWS SDK v3 document client). Two tables, created by the cdktf stacks with the
// definitions below (`runsTableDefinition`, `jobsTableDefinition` say the same in code, for tests and tools):
//   runs: partition key pipeline_name (S), sort key execution_date (S); GSI `status-started_at` on status (S) and
//         started_at (S), projecting all attributes.
//   jobs: partition key job_id (S); TTL on expires_at (N, epoch seconds).
// Every conditional rule of the interface is a ConditionExpression, so concurrent Lambdas cannot break it.
// Reads of items are strongly consistent; `listRunsByStatus` reads the GSI, which is eventually consistent.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  assertName,
  canonicalTime,
  checkTransition,
  DEFAULT_JOB_TTL_SECONDS,
  JOB_STATUSES,
  MetadataConflictError,
  nowIso,
  RUN_STATUSES,
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

export const RUNS_STATUS_INDEX = 'status-started_at';

/** The runs table as the stacks create it (on-demand billing). */
export function runsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pipeline_name', AttributeType: 'S' },
      { AttributeName: 'execution_date', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'started_at', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pipeline_name', KeyType: 'HASH' },
      { AttributeName: 'execution_date', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: RUNS_STATUS_INDEX,
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'started_at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** The jobs table as the stacks create it; TTL (attribute `expires_at`) is switched on separately (UpdateTimeToLive). */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'job_id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'job_id', KeyType: 'HASH' }],
  };
}
export const JOBS_TTL_ATTRIBUTE = 'expires_at';

export interface DynamoMetadataStoreOptions {
  readonly client: DynamoDBClient;
  readonly runsTable: string;
  readonly jobsTable: string;
}

type Item = Record<string, unknown>;

function toRun(item: Item): PipelineRun {
  return {
    pipelineName: item.pipeline_name as string,
    executionDate: item.execution_date as string,
    runId: item.run_id as string,
    status: item.status as RunStatus,
    startedAt: item.started_at as string,
    ...(typeof item.ended_at === 'string' ? { endedAt: item.ended_at } : {}),
    counts: (item.counts ?? {}) as DatasetCounts,
    snapshotIds: (item.snapshot_ids ?? {}) as Record<string, string>,
    ...(typeof item.error === 'string' ? { error: item.error } : {}),
  };
}

function toJob(item: Item): ApiJob {
  return {
    jobId: item.job_id as string,
    dataset: item.dataset as string,
    status: item.status as JobStatus,
    counts: (item.counts ?? {}) as Record<string, number>,
    ...(typeof item.snapshot_id === 'string' ? { snapshotId: item.snapshot_id } : {}),
    reasons: (item.reasons ?? []) as string[],
    createdAt: item.created_at as string,
    updatedAt: item.updated_at as string,
    expiresAt: Number(item.expires_at),
  };
}

/** Reads and conditional writes of one applyJobParts before a lost race is reported as an error. */
const APPLY_PARTS_ATTEMPTS = 5;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

export class DynamoMetadataStore implements MetadataStore {
  readonly runsTable: string;
  readonly jobsTable: string;
  private readonly doc: DynamoDBDocumentClient;

  constructor(options: DynamoMetadataStoreOptions) {
    this.runsTable = options.runsTable;
    this.jobsTable = options.jobsTable;
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async startRun(run: StartRun): Promise<PipelineRun> {
    assertName('pipelineName', run.pipelineName);
    assertName('runId', run.runId);
    const item = {
      pipeline_name: run.pipelineName,
      execution_date: canonicalTime('executionDate', run.executionDate),
      run_id: run.runId,
      status: 'running',
      started_at: canonicalTime('startedAt', run.startedAt ?? nowIso()),
      counts: {},
      snapshot_ids: {},
    };
    try {
      // A new key, or a retry of a finished run; never a run that is still going.
      await this.doc.send(
        new PutCommand({
          TableName: this.runsTable,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pipeline_name) OR #status <> :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':running': 'running' },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new MetadataConflictError(`run ${item.pipeline_name} @ ${item.execution_date} is already running`);
      }
      throw error;
    }
    return toRun(item);
  }

  async finishRun(pipelineName: string, executionDate: string, result: FinishRun): Promise<PipelineRun> {
    if (result.status !== 'succeeded' && result.status !== 'failed') {
      throw new RangeError(`a run finishes as succeeded or failed, not ${JSON.stringify(result.status)}`);
    }
    const key = { pipeline_name: pipelineName, execution_date: canonicalTime('executionDate', executionDate) };
    const sets = ['#status = :status', 'ended_at = :ended'];
    const values: Item = {
      ':status': result.status,
      ':ended': canonicalTime('endedAt', result.endedAt ?? nowIso()),
      ':running': 'running',
    };
    if (result.counts) {
      sets.push('counts = :counts');
      values[':counts'] = result.counts;
    }
    if (result.snapshotIds) {
      sets.push('snapshot_ids = :snapshots');
      values[':snapshots'] = result.snapshotIds;
    }
    if (result.error !== undefined) {
      sets.push('#error = :error');
      values[':error'] = result.error;
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.runsTable,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}${result.error === undefined ? ' REMOVE #error' : ''}`,
          ConditionExpression: 'attribute_exists(pipeline_name) AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRun(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new MetadataConflictError(`run ${pipelineName} @ ${key.execution_date} is not running`);
      }
      throw error;
    }
  }

  async getRun(pipelineName: string, executionDate: string): Promise<PipelineRun | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.runsTable,
        Key: { pipeline_name: pipelineName, execution_date: canonicalTime('executionDate', executionDate) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRun(out.Item) : undefined;
  }

  async listRuns(pipelineName: string, range: TimeRange = {}): Promise<PipelineRun[]> {
    const values: Item = { ':p': pipelineName };
    let condition = 'pipeline_name = :p';
    if (range.from !== undefined && range.to !== undefined) {
      condition += ' AND execution_date BETWEEN :from AND :to';
      values[':from'] = canonicalTime('from', range.from);
      values[':to'] = canonicalTime('to', range.to);
      if ((values[':from'] as string) > (values[':to'] as string)) return [];
    } else if (range.from !== undefined) {
      condition += ' AND execution_date >= :from';
      values[':from'] = canonicalTime('from', range.from);
    } else if (range.to !== undefined) {
      condition += ' AND execution_date <= :to';
      values[':to'] = canonicalTime('to', range.to);
    }
    const items = await this.queryAll(
      {
        TableName: this.runsTable,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ConsistentRead: true,
      },
      range.limit,
    );
    return items.map(toRun);
  }

  async listRunsByStatus(status: RunStatus, options: { since?: string; limit?: number } = {}): Promise<PipelineRun[]> {
    if (!RUN_STATUSES.includes(status)) throw new RangeError(`unknown run status ${JSON.stringify(status)}`);
    const values: Item = { ':s': status };
    let condition = '#status = :s';
    if (options.since !== undefined) {
      condition += ' AND started_at >= :since';
      values[':since'] = canonicalTime('since', options.since);
    }
    const items = await this.queryAll(
      {
        TableName: this.runsTable,
        IndexName: RUNS_STATUS_INDEX,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
      options.limit,
    );
    return items.map(toRun);
  }

  private async queryAll(input: QueryCommandInput, limit: number | undefined): Promise<Item[]> {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    }
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          ...(start ? { ExclusiveStartKey: start } : {}),
          ...(limit !== undefined ? { Limit: limit - items.length } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && (limit === undefined || items.length < limit));
    return items;
  }

  async putJob(job: PutJob): Promise<ApiJob> {
    assertName('jobId', job.jobId);
    assertName('dataset', job.dataset);
    const createdAt = canonicalTime('createdAt', job.createdAt ?? nowIso());
    const ttl = job.ttlSeconds ?? DEFAULT_JOB_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
    const item = {
      job_id: job.jobId,
      dataset: job.dataset,
      status: 'accepted',
      counts: job.counts ?? {},
      reasons: [],
      created_at: createdAt,
      updated_at: createdAt,
      expires_at: Math.floor(Date.parse(createdAt) / 1000) + ttl,
    };
    try {
      // TTL deletes lazily, so an expired item may still be there: its id counts as free.
      await this.doc.send(
        new PutCommand({
          TableName: this.jobsTable,
          Item: item,
          ConditionExpression: 'attribute_not_exists(job_id) OR expires_at <= :now',
          ExpressionAttributeValues: { ':now': nowSeconds() },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new MetadataConflictError(`job ${job.jobId} already exists`);
      throw error;
    }
    return toJob(item);
  }

  async updateJob(
    jobId: string,
    expected: JobStatus | readonly JobStatus[],
    update: JobUpdate,
  ): Promise<JobUpdateResult> {
    const from: readonly JobStatus[] = typeof expected === 'string' ? [expected] : expected;
    if (!JOB_STATUSES.includes(update.status)) {
      throw new RangeError(`unknown job status ${JSON.stringify(update.status)}`);
    }
    checkTransition(from, update);
    const sets = ['#status = :status', 'updated_at = :updated'];
    const values: Item = { ':status': update.status, ':updated': nowIso(), ':now': nowSeconds() };
    from.forEach((s, i) => (values[`:from${i}`] = s));
    if (update.counts) {
      sets.push('counts = :counts');
      values[':counts'] = update.counts;
    }
    if (update.snapshotId !== undefined) {
      sets.push('snapshot_id = :snapshot');
      values[':snapshot'] = update.snapshotId;
    }
    if (update.reasons) {
      sets.push('reasons = :reasons');
      values[':reasons'] = update.reasons;
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.jobsTable,
          Key: { job_id: jobId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(job_id) AND expires_at > :now AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { updated: true, job: toJob(out.Attributes ?? {}) };
    } catch (error) {
      if (isConditionFailure(error)) return { updated: false, current: await this.getJob(jobId) };
      throw error;
    }
  }

  async applyJobParts(jobId: string, parts: JobParts): Promise<JobUpdateResult> {
    // Optimistic: read the job and its applied parts, write the merge on condition that no part was applied
    // meanwhile (the map's size is unchanged); on a race, read again. Parts of one job arrive on one shard (the
    // partition key is `<dataset>/<jobId>`), so a race is rare.
    for (let attempt = 0; ; attempt++) {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.jobsTable, Key: { job_id: jobId }, ConsistentRead: true }),
      );
      const item = out.Item;
      if (!item || Number(item.expires_at) <= nowSeconds()) return { updated: false, current: undefined };
      const job = toJob(item);
      const applied = (item.parts ?? {}) as AppliedJobParts;
      const next = withJobParts(job, applied, parts);
      if (!next) return { updated: false, current: job };
      const seen = Object.keys(applied).length;
      const { update } = next;
      try {
        const written = await this.doc.send(
          new UpdateCommand({
            TableName: this.jobsTable,
            Key: { job_id: jobId },
            UpdateExpression: `SET #status = :status, counts = :counts, parts = :parts, updated_at = :updated${
              update.snapshotId !== undefined ? ', snapshot_id = :snapshot' : ''
            }`,
            ConditionExpression: `expires_at > :now AND #status IN (:accepted, :processing) AND ${
              seen === 0 ? '(attribute_not_exists(parts) OR size(parts) = :seen)' : 'size(parts) = :seen'
            }`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': update.status,
              ':counts': update.counts,
              ':parts': next.applied,
              ':updated': nowIso(),
              ':now': nowSeconds(),
              ':accepted': 'accepted',
              ':processing': 'processing',
              ':seen': seen,
              ...(update.snapshotId !== undefined ? { ':snapshot': update.snapshotId } : {}),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { updated: true, job: toJob(written.Attributes ?? {}) };
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= APPLY_PARTS_ATTEMPTS) throw error;
      }
    }
  }

  async getJob(jobId: string): Promise<ApiJob | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.jobsTable, Key: { job_id: jobId }, ConsistentRead: true }),
    );
    if (!out.Item || Number(out.Item.expires_at) <= nowSeconds()) return undefined;
    return toJob(out.Item);
  }

  close(): Promise<void> {
    // The DynamoDB client belongs to the caller.
    return Promise.resolve();
  }
}
