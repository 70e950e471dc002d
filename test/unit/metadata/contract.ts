// One behavioural contract for every MetadataStore: the SQLite store runs it in test/unit/metadata, the DynamoDB
// store against moto's server in test/integration/metadata. A difference between the two is a failing test here.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataConflictError } from '../../../src/metadata/types.ts';
import type { MetadataStore } from '../../../src/metadata/types.ts';

export function describeMetadataContract(label: string, open: () => Promise<MetadataStore>): void {
  describe(`MetadataStore contract: ${label}`, () => {
    let store: MetadataStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
    });
    const pipeline = (): string => `pipe-${randomUUID()}`;

    it('starts a run, reads it back, and finishes it with counts and snapshot ids', async () => {
      const p = pipeline();
      const started = await store.startRun({
        pipelineName: p,
        executionDate: '2026-01-31',
        runId: 'manual__1',
        startedAt: '2026-02-01T01:02:03Z',
      });
      expect(started).toEqual({
        pipelineName: p,
        executionDate: '2026-01-31T00:00:00.000Z',
        runId: 'manual__1',
        status: 'running',
        startedAt: '2026-02-01T01:02:03.000Z',
        counts: {},
        snapshotIds: {},
      });
      // Another spelling of the same instant is the same key.
      expect(await store.getRun(p, '2026-01-31T01:00:00+01:00')).toEqual(started);

      const finished = await store.finishRun(p, '2026-01-31T00:00:00Z', {
        status: 'succeeded',
        endedAt: '2026-02-01T01:05:00Z',
        counts: { events: { received: 10, accepted: 9, quarantined: 1 }, users: { received: 3, accepted: 3 } },
        snapshotIds: { 'processed.events': '7614932810385729123' },
      });
      expect(finished.status).toBe('succeeded');
      expect(finished.endedAt).toBe('2026-02-01T01:05:00.000Z');
      expect(await store.getRun(p, '2026-01-31')).toEqual({
        ...started,
        status: 'succeeded',
        endedAt: '2026-02-01T01:05:00.000Z',
        counts: { events: { received: 10, accepted: 9, quarantined: 1 }, users: { received: 3, accepted: 3 } },
        snapshotIds: { 'processed.events': '7614932810385729123' },
      });
      expect(await store.getRun(p, '2026-01-30')).toBeUndefined();
    });

    it('refuses a second start of a running run and a finish of a run that is not running', async () => {
      const p = pipeline();
      await store.startRun({ pipelineName: p, executionDate: '2026-03-01', runId: 'a' });
      await expect(store.startRun({ pipelineName: p, executionDate: '2026-03-01', runId: 'b' })).rejects.toThrow(
        MetadataConflictError,
      );
      await store.finishRun(p, '2026-03-01', { status: 'failed', error: 'dbt build failed: 2 tests' });
      await expect(store.finishRun(p, '2026-03-01', { status: 'succeeded' })).rejects.toThrow(MetadataConflictError);
      await expect(store.finishRun(p, '2026-03-02', { status: 'succeeded' })).rejects.toThrow(MetadataConflictError);
      const failed = await store.getRun(p, '2026-03-01');
      expect(failed?.status).toBe('failed');
      expect(failed?.error).toBe('dbt build failed: 2 tests');
      expect(failed?.runId).toBe('a');
    });

    it('restarts a finished run as a retry, clearing the previous outcome', async () => {
      const p = pipeline();
      await store.startRun({ pipelineName: p, executionDate: '2026-04-01', runId: 'try1' });
      await store.finishRun(p, '2026-04-01', { status: 'failed', error: 'boom', counts: { events: { received: 1 } } });
      const retried = await store.startRun({
        pipelineName: p,
        executionDate: '2026-04-01',
        runId: 'try2',
        startedAt: '2026-04-02T00:00:00Z',
      });
      expect(retried).toMatchObject({ runId: 'try2', status: 'running', counts: {}, snapshotIds: {} });
      expect(retried.error).toBeUndefined();
      const done = await store.finishRun(p, '2026-04-01', { status: 'succeeded' });
      expect(done).toMatchObject({ runId: 'try2', status: 'succeeded', startedAt: '2026-04-02T00:00:00.000Z' });
      expect(done.error).toBeUndefined();
    });

    it('lists runs of a pipeline by execution date range, inclusive and ordered', async () => {
      const p = pipeline();
      const other = pipeline();
      for (const day of ['2026-05-04', '2026-05-01', '2026-05-03', '2026-05-02']) {
        await store.startRun({ pipelineName: p, executionDate: day, runId: `r-${day}` });
      }
      await store.startRun({ pipelineName: other, executionDate: '2026-05-02', runId: 'x' });
      const dates = (runs: { executionDate: string }[]): string[] => runs.map((r) => r.executionDate.slice(0, 10));
      expect(dates(await store.listRuns(p))).toEqual(['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04']);
      expect(dates(await store.listRuns(p, { from: '2026-05-02', to: '2026-05-03' }))).toEqual([
        '2026-05-02',
        '2026-05-03',
      ]);
      expect(dates(await store.listRuns(p, { from: '2026-05-03' }))).toEqual(['2026-05-03', '2026-05-04']);
      expect(dates(await store.listRuns(p, { to: '2026-05-01T12:00:00Z' }))).toEqual(['2026-05-01']);
      expect(dates(await store.listRuns(p, { limit: 2 }))).toEqual(['2026-05-01', '2026-05-02']);
      expect(await store.listRuns(p, { from: '2026-06-01' })).toEqual([]);
    });

    it('lists runs by status since a start time, oldest start first', async () => {
      const p = pipeline();
      // Start times far in the future keep other tests' runs out of the window.
      const at = (s: number): string => new Date(Date.UTC(2099, 0, 1, 0, 0, s)).toISOString();
      await store.startRun({ pipelineName: p, executionDate: '2026-07-03', runId: 'c', startedAt: at(30) });
      await store.startRun({ pipelineName: p, executionDate: '2026-07-01', runId: 'a', startedAt: at(10) });
      await store.startRun({ pipelineName: p, executionDate: '2026-07-02', runId: 'b', startedAt: at(20) });
      await store.finishRun(p, '2026-07-02', { status: 'failed', error: 'x' });
      const running = await store.listRunsByStatus('running', { since: at(5) });
      expect(running.map((r) => r.runId)).toEqual(['a', 'c']);
      expect((await store.listRunsByStatus('running', { since: at(15) })).map((r) => r.runId)).toEqual(['c']);
      expect((await store.listRunsByStatus('failed', { since: at(0) })).map((r) => r.runId)).toEqual(['b']);
      expect((await store.listRunsByStatus('running', { since: at(0), limit: 1 })).map((r) => r.runId)).toEqual(['a']);
    });

    it('rejects malformed dates and statuses with a clear error', async () => {
      await expect(store.startRun({ pipelineName: 'p', executionDate: 'yesterday', runId: 'r' })).rejects.toThrow(
        /executionDate must be an ISO-8601/,
      );
      await expect(store.startRun({ pipelineName: '', executionDate: '2026-01-01', runId: 'r' })).rejects.toThrow(
        /pipelineName/,
      );
      await expect(store.listRunsByStatus('done' as 'running')).rejects.toThrow(/unknown run status/);
      await expect(store.finishRun('p', '2026-01-01', { status: 'running' as 'failed' })).rejects.toThrow(
        /succeeded or failed/,
      );
    });

    it('creates a job as accepted and refuses a duplicate id', async () => {
      const jobId = randomUUID();
      const job = await store.putJob({ jobId, dataset: 'events', counts: { received: 5 } });
      expect(job).toMatchObject({ jobId, dataset: 'events', status: 'accepted', counts: { received: 5 }, reasons: [] });
      expect(job.snapshotId).toBeUndefined();
      expect(job.expiresAt).toBeGreaterThan(Date.now() / 1000 + 6 * 24 * 3600);
      expect(await store.getJob(jobId)).toEqual(job);
      await expect(store.putJob({ jobId, dataset: 'events' })).rejects.toThrow(MetadataConflictError);
      expect(await store.getJob(randomUUID())).toBeUndefined();
    });

    it('moves a job only forward and only from the expected status', async () => {
      const jobId = randomUUID();
      await store.putJob({ jobId, dataset: 'orders', counts: { received: 3 } });
      const processing = await store.updateJob(jobId, 'accepted', { status: 'processing' });
      expect(processing.updated && processing.job.status).toBe('processing');

      // A stale writer that still believes the job is accepted changes nothing and learns the truth.
      const stale = await store.updateJob(jobId, 'accepted', { status: 'failed', reasons: ['late'] });
      expect(stale).toMatchObject({ updated: false, current: { status: 'processing', reasons: [] } });

      const committed = await store.updateJob(jobId, ['accepted', 'processing'], {
        status: 'committed',
        counts: { received: 3, accepted: 2, quarantined: 1 },
        snapshotId: '5100223319377733251',
        reasons: ['1 record quarantined: amount must be ≥ 0'],
      });
      expect(committed.updated).toBe(true);
      expect(await store.getJob(jobId)).toMatchObject({
        status: 'committed',
        counts: { received: 3, accepted: 2, quarantined: 1 },
        snapshotId: '5100223319377733251',
        reasons: ['1 record quarantined: amount must be ≥ 0'],
      });
      // Final states do not move, whatever the caller expects.
      await expect(store.updateJob(jobId, 'committed', { status: 'processing' })).rejects.toThrow(
        /cannot move from committed to processing/,
      );
      expect(await store.updateJob(randomUUID(), 'accepted', { status: 'processing' })).toEqual({
        updated: false,
        current: undefined,
      });
    });

    it('lets exactly one of many concurrent updates win', async () => {
      const jobId = randomUUID();
      await store.putJob({ jobId, dataset: 'events' });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.updateJob(jobId, 'accepted', { status: 'failed', reasons: [`writer ${i}`] }),
        ),
      );
      const winners = results.filter((r) => r.updated);
      expect(winners).toHaveLength(1);
      const job = await store.getJob(jobId);
      expect(job?.reasons).toEqual(winners[0]?.updated ? winners[0].job.reasons : []);
    });

    it('hides an expired job and lets its id be used again', async () => {
      const jobId = randomUUID();
      await store.putJob({ jobId, dataset: 'events', createdAt: '2020-01-01T00:00:00Z', ttlSeconds: 60 });
      expect(await store.getJob(jobId)).toBeUndefined();
      expect((await store.updateJob(jobId, 'accepted', { status: 'processing' })).updated).toBe(false);
      const fresh = await store.putJob({ jobId, dataset: 'users' });
      expect(fresh).toMatchObject({ dataset: 'users', status: 'accepted' });
      expect(await store.getJob(jobId)).toEqual(fresh);
    });
    it('applies job parts once each, in any order, and commits the job when all are in', async () => {
      const jobId = randomUUID();
      const part = (n: number, received: number, quarantined: number) => ({
        part: n,
        received,
        accepted: received - quarantined,
        quarantined,
      });
      await store.putJob({ jobId, dataset: 'events', counts: { received: 30 } });
      expect(await store.applyJobParts(jobId, { parts: 3, applied: [part(2, 10, 1)], snapshotId: '7' })).toMatchObject({
        updated: true,
        job: { status: 'processing', counts: { accepted: 9, quarantined: 1, parts_done: 1 } },
      });
      // A redelivered part, alone: nothing changes.
      expect(await store.applyJobParts(jobId, { parts: 3, applied: [part(2, 10, 1)] })).toMatchObject({
        updated: false,
      });
      await store.applyJobParts(jobId, { parts: 3, applied: [part(2, 10, 1), part(0, 10, 0)], snapshotId: '8' });
      expect(await store.applyJobParts(jobId, { parts: 3, applied: [part(1, 10, 4)] })).toMatchObject({
        updated: true,
        job: {
          status: 'committed',
          snapshotId: '7',
          counts: { received: 30, accepted: 25, quarantined: 5, parts_done: 3 },
        },
      });
      // Final: a late redelivery changes nothing.
      expect(await store.applyJobParts(jobId, { parts: 3, applied: [part(1, 10, 4)] })).toMatchObject({
        updated: false,
        current: { status: 'committed', counts: { accepted: 25, quarantined: 5 } },
      });
    });
  });
}
