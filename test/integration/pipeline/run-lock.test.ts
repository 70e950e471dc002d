// The warehouse lock of `lakehouse run` and what taking it over recovers: a live holder is refused, a dead one's runs
// become `failed` (abandoned), its dbt — a process group of its own — is stopped, and a pid reused by anything else
// is never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteMetadataStore } from '../../../src/metadata/index.ts';
import { RunLock } from '../../../src/pipeline/run-lock.ts';
import { isAlive } from '../../../src/stream/pid-lock.ts';
import { tempDir } from '../../helpers/tmp.ts';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** A long-lived process leading its own process group, with the given arguments (a stand-in for dbt). */
async function groupLeader(...args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], {
    detached: true,
    stdio: 'ignore',
  });
  started.push(child);
  await sleep(200);
  return child.pid as number;
}

async function gone(pid: number, child = started.find((c) => c.pid === pid)): Promise<boolean> {
  // Our own child becomes a zombie until reaped: its exit is what says it is gone.
  const deadline = Date.now() + 5000;
  while (child?.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(20);
  return child ? child.signalCode === 'SIGKILL' : !isAlive(pid);
}

describe('RunLock', () => {
  it('refuses a second holder while the first lives, and releases', async () => {
    const warehouse = tempDir('lakehouse-run-lock-');
    const metadata = new SqliteMetadataStore(':memory:');
    const { lock } = await RunLock.acquire(warehouse, metadata, 'p');
    await expect(RunLock.acquire(warehouse, metadata, 'p')).rejects.toThrow(
      new RegExp(`another lakehouse run \\(process ${process.pid}\\) is using`),
    );
    await lock.release();
    const again = await RunLock.acquire(warehouse, metadata, 'p');
    expect(again.recovery).toEqual({ abandonedRuns: [] });
    await again.lock.release();
    await metadata.close();
  });

  it("takes over a dead holder's lock: abandons its runs and stops its dbt, and nothing else", async () => {
    const warehouse = tempDir('lakehouse-run-lock-');
    const metadata = new SqliteMetadataStore(':memory:');
    const dbt = await groupLeader('build', '--target-path', join(warehouse, 'dbt', 'target'));
    const unrelated = await groupLeader('build', '--target-path', '/elsewhere/dbt/target');
    await metadata.startRun({ pipelineName: 'p', executionDate: '2026-01-01T00:00:00Z', runId: 'dead' });
    await metadata.startRun({ pipelineName: 'p', executionDate: '2026-01-02T00:00:00Z', runId: 'older' });
    await metadata.startRun({ pipelineName: 'other', executionDate: '2026-01-01T00:00:00Z', runId: 'elsewhere' });
    // What a process killed during dbt leaves: its lock (a pid no process has) and its state.
    writeFileSync(join(warehouse, 'run.lock'), '2147483646');
    const state = { pid: 2147483646, runId: 'dead', executionDate: '2026-01-01T00:00:00.000Z', dbtPid: dbt };
    writeFileSync(join(warehouse, 'run.state.json'), JSON.stringify(state));

    const { lock, recovery } = await RunLock.acquire(warehouse, metadata, 'p');
    expect(recovery).toEqual({ abandonedRuns: ['dead', 'older'], stoppedDbt: dbt });
    expect(await gone(dbt)).toBe(true);
    expect(isAlive(unrelated)).toBe(true);
    const dead = await metadata.getRun('p', '2026-01-01T00:00:00Z');
    expect(dead).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^abandoned: process 2147483646 died/),
    });
    expect((await metadata.getRun('other', '2026-01-01T00:00:00Z'))?.status).toBe('running');
    await lock.release();

    // A pid reused by a process that is not this warehouse's dbt is left alone.
    writeFileSync(join(warehouse, 'run.state.json'), JSON.stringify({ ...state, dbtPid: unrelated }));
    const next = await RunLock.acquire(warehouse, metadata, 'p');
    expect(next.recovery).toEqual({ abandonedRuns: [] });
    expect(isAlive(unrelated)).toBe(true);
    await next.lock.release();
    await metadata.close();
  });
});
