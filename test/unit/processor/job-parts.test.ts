// The processor's job updates are idempotent per part: the metadata store records which parts of a job were
// applied, so a redelivered batch (its first try killed before, during or after its job updates) completes the job
// and never counts a part twice. Here against SQLite, in memory and in a file made before the store kept parts.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteMetadataStore } from '../../../src/metadata/sqlite.ts';
import type { JobPart } from '../../../src/metadata/types.ts';
import { tempDir } from '../../helpers/tmp.ts';

const part = (n: number, received: number, quarantined: number): JobPart => ({
  part: n,
  received,
  accepted: received - quarantined,
  quarantined,
});

describe('applyJobParts', () => {
  it('applies each part once, in any order and however often, and commits the job when all parts are in', async () => {
    const store = new SqliteMetadataStore(':memory:');
    await store.putJob({ jobId: 'j', dataset: 'events', counts: { received: 30 } });

    const first = await store.applyJobParts('j', { parts: 3, applied: [part(2, 10, 1)], snapshotId: '7' });
    expect(first).toMatchObject({
      updated: true,
      job: {
        status: 'processing',
        snapshotId: '7',
        counts: { received: 30, accepted: 9, quarantined: 1, parts_done: 1 },
      },
    });
    // The same part again (a redelivery), alone and with a new one: counted once.
    expect(await store.applyJobParts('j', { parts: 3, applied: [part(2, 10, 1)] })).toMatchObject({ updated: false });
    await store.applyJobParts('j', { parts: 3, applied: [part(2, 10, 1), part(0, 10, 0)], snapshotId: '8' });
    const done = await store.applyJobParts('j', { parts: 3, applied: [part(0, 10, 0), part(1, 10, 4)] });
    expect(done).toMatchObject({
      updated: true,
      // The job's snapshot is the first one that held its rows, not a redelivery's view of the table.
      job: {
        status: 'committed',
        snapshotId: '7',
        counts: { received: 30, accepted: 25, quarantined: 5, parts_done: 3 },
      },
    });
    // A committed job is final: a late redelivery changes nothing.
    expect(await store.applyJobParts('j', { parts: 3, applied: [part(1, 10, 4)] })).toMatchObject({
      updated: false,
      current: { status: 'committed', counts: { accepted: 25, quarantined: 5, parts_done: 3 } },
    });
    expect(await store.applyJobParts('missing', { parts: 1, applied: [part(0, 1, 0)] })).toEqual({
      updated: false,
      current: undefined,
    });
    await store.close();
  });

  it('leaves failed jobs alone, and a job id reused after expiry starts with no parts applied', async () => {
    const store = new SqliteMetadataStore(':memory:');
    await store.putJob({ jobId: 'f', dataset: 'events' });
    await store.updateJob('f', 'accepted', { status: 'failed', reasons: ['publish failed'] });
    expect(await store.applyJobParts('f', { parts: 1, applied: [part(0, 5, 0)] })).toMatchObject({
      updated: false,
      current: { status: 'failed' },
    });

    await store.putJob({ jobId: 'r', dataset: 'events', ttlSeconds: 1, createdAt: '2020-01-01T00:00:00Z' });
    await store.putJob({ jobId: 'r', dataset: 'events' });
    expect(await store.applyJobParts('r', { parts: 1, applied: [part(0, 5, 2)] })).toMatchObject({
      updated: true,
      job: { status: 'committed', counts: { received: 5, accepted: 3, quarantined: 2, parts_done: 1 } },
    });
    await store.close();
  });

  it('opens a store made before jobs kept their parts, and applies parts to its jobs', async () => {
    const path = join(tempDir(), 'metadata.db');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE api_jobs (job_id TEXT PRIMARY KEY, dataset TEXT NOT NULL, status TEXT NOT NULL,
      counts TEXT NOT NULL, snapshot_id TEXT, reasons TEXT NOT NULL, created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
    old
      .prepare(`INSERT INTO api_jobs VALUES ('j', 'events', 'accepted', '{"received":4}', NULL, '[]', ?, ?, ?)`)
      .run(new Date().toISOString(), new Date().toISOString(), Math.floor(Date.now() / 1000) + 3600);
    old.close();

    const store = new SqliteMetadataStore(path);
    expect(await store.applyJobParts('j', { parts: 1, applied: [part(0, 4, 1)] })).toMatchObject({
      updated: true,
      job: { status: 'committed', counts: { received: 4, accepted: 3, quarantined: 1, parts_done: 1 } },
    });
    await store.close();
    // Opening it again finds the column there.
    await new SqliteMetadataStore(path).close();
  });
});
