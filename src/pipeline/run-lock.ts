// `lakehouse run` holds its warehouse for as long as it runs, and leaves what a successor needs to recover from it
// being killed (kill -9, OOM killer, power cut):
//
//   <warehouse>/run.lock         the pid lock: one run per warehouse; a dead owner's lock is taken over
//   <warehouse>/run.state.json   the holder's run (id, execution date) and its dbt process while dbt runs
//   <warehouse>/run.accounted.json  the stream offset below which every job is counted in some run's totals
//
// A run that takes over a stale lock recovers before it starts: it stops the dead run's dbt if that still runs (an
// orphan holds the DuckDB file's lock, and the next dbt would fail on it), and it moves every run of the pipeline
// still recorded as `running` to `failed` with an `abandoned: …` error — holding the lock, it knows none of them
// is alive. What the dead run accepted is in the stream and is committed, exactly once, by the next processor; the
// jobs above the accounted offset are the ones no run has counted, and the next run that records its counts
// reports them as recovered and moves the offset past its own.
import { spawnSync } from 'node:child_process';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LakehouseError } from '../errors.ts';
import { createLogger } from '../log.ts';
import type { MetadataStore } from '../metadata/types.ts';
import { writeFileAtomic } from '../stream/consumer.ts';
import { acquirePidLock, releasePidLock, type PidLock } from '../stream/pid-lock.ts';

const log = createLogger('run');

interface RunState {
  readonly pid: number;
  readonly runId: string;
  readonly executionDate: string;
  /** The dbt process (and process group) while dbt runs. */
  readonly dbtPid?: number;
}

export interface Recovery {
  /** Run ids moved from `running` to `failed` (abandoned by a process that died). */
  readonly abandonedRuns: string[];
  /** The pid of a dead run's dbt that was still running and was stopped. */
  readonly stoppedDbt?: number;
}

export class RunLock {
  private readonly lock: PidLock;
  private readonly warehouse: string;
  private readonly statePath: string;
  private readonly accountedPath: string;

  private constructor(lock: PidLock, warehouse: string) {
    this.lock = lock;
    this.warehouse = warehouse;
    this.statePath = join(warehouse, 'run.state.json');
    this.accountedPath = join(warehouse, 'run.accounted.json');
  }

  /**
   * Takes the warehouse for a run of `pipelineName` (throws CONFLICT while another live run holds it) and recovers
   * what dead runs left behind.
   */
  static async acquire(
    warehouse: string,
    metadata: MetadataStore,
    pipelineName: string,
  ): Promise<{ lock: RunLock; recovery: Recovery }> {
    const lockPath = join(warehouse, 'run.lock');
    const lock = await acquirePidLock(
      lockPath,
      (owner) =>
        new LakehouseError(
          'CONFLICT',
          `another lakehouse run (process ${owner || 'unknown'}) is using ${warehouse}; wait for it, or delete ` +
            `${lockPath} if no such process is a lakehouse run`,
        ),
    );
    const runLock = new RunLock(lock, warehouse);
    try {
      return { lock: runLock, recovery: await runLock.recover(metadata, pipelineName) };
    } catch (error) {
      await releasePidLock(lock);
      throw error;
    }
  }

  private async recover(metadata: MetadataStore, pipelineName: string): Promise<Recovery> {
    const dead = await this.readState();
    let stoppedDbt: number | undefined;
    if (dead?.dbtPid !== undefined && (await stopOrphanDbt(dead.dbtPid, this.warehouse))) stoppedDbt = dead.dbtPid;
    const abandonedRuns: string[] = [];
    for (const run of await metadata.listRunsByStatus('running')) {
      if (run.pipelineName !== pipelineName) continue;
      const who = dead?.runId === run.runId ? `process ${dead.pid}` : 'its process';
      await metadata.finishRun(run.pipelineName, run.executionDate, {
        status: 'failed',
        error: `abandoned: ${who} died before the run finished; recovered by the next run`,
      });
      abandonedRuns.push(run.runId);
    }
    if (abandonedRuns.length || stoppedDbt !== undefined)
      log.warn({ abandonedRuns, stoppedDbt }, 'recovered from a run that did not finish');
    return { abandonedRuns, ...(stoppedDbt !== undefined ? { stoppedDbt } : {}) };
  }

  /** Records this process's run, and its dbt process while one runs (undefined once it has ended). */
  async record(run: { runId: string; executionDate: string; dbtPid?: number | undefined }): Promise<void> {
    const state: RunState = {
      pid: process.pid,
      runId: run.runId,
      executionDate: run.executionDate,
      ...(run.dbtPid !== undefined ? { dbtPid: run.dbtPid } : {}),
    };
    await writeFileAtomic(this.statePath, `${JSON.stringify(state)}\n`);
  }

  /**
   * The stream offset below which every job is counted in some run's totals. A warehouse without the record starts
   * it at `streamEnd`, the stream's end before this run posts: jobs written before there was such a record are not
   * claimed by anyone.
   */
  async accountedStreamOffset(streamEnd: number): Promise<number> {
    try {
      const parsed = JSON.parse(await readFile(this.accountedPath, 'utf8')) as { streamOffset?: unknown };
      if (typeof parsed.streamOffset === 'number' && Number.isSafeInteger(parsed.streamOffset))
        return Math.min(parsed.streamOffset, streamEnd);
    } catch (error) {
      // None yet, or not JSON (it is written by atomic renames, so only by hand): start it here.
      if (!(error instanceof SyntaxError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await this.markAccounted(streamEnd);
    return streamEnd;
  }

  /** Every job below `streamOffset` is now counted in a run's recorded totals (its own, or recovered). */
  async markAccounted(streamOffset: number): Promise<void> {
    await writeFileAtomic(this.accountedPath, `${JSON.stringify({ streamOffset })}\n`);
  }

  async release(): Promise<void> {
    await unlink(this.statePath).catch(() => undefined);
    await releasePidLock(this.lock);
  }

  private async readState(): Promise<RunState | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.statePath, 'utf8')) as Partial<RunState>;
      if (typeof parsed.pid !== 'number' || typeof parsed.runId !== 'string') return undefined;
      return parsed as RunState;
    } catch {
      return undefined; // none, or torn by a crash mid-write (writes are atomic renames, so only by hand)
    }
  }
}

interface ProcessInfo {
  readonly pgid: number;
  readonly zombie: boolean;
  readonly args: string;
}

/** What `ps` says about a pid: undefined when there is no such process (or no `ps` to ask). */
function processInfo(pid: number): ProcessInfo | undefined {
  const ps = spawnSync('ps', ['-ww', '-o', 'pgid=,stat=,args=', '-p', String(pid)], { encoding: 'utf8' });
  if (ps.error) {
    log.warn({ pid, error: ps.error.message }, 'cannot inspect processes with ps');
    return undefined;
  }
  const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(ps.stdout.trim());
  if (ps.status !== 0 || !match) return undefined;
  return { pgid: Number(match[1]), zombie: (match[2] as string).startsWith('Z'), args: match[3] as string };
}

/**
 * Stops a dead run's dbt: only a live process that still leads its own group and runs dbt for this warehouse (its
 * arguments name the warehouse's dbt directory), so a pid reused by anything else is never touched. Waits until it
 * has gone, which releases the DuckDB lock.
 */
async function stopOrphanDbt(pid: number, warehouse: string): Promise<boolean> {
  const marker = join(warehouse, 'dbt', 'target');
  const info = processInfo(pid);
  if (!info || info.zombie || info.pgid !== pid || !info.args.includes(marker)) return false;
  log.warn({ pid }, "stopping a dead run's dbt, which still holds the marts database");
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return false;
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = processInfo(pid);
    if (!now || now.zombie) return true;
    if (Date.now() > deadline) throw new LakehouseError('INTERNAL', `dbt process ${pid} did not stop after SIGKILL`);
    await sleep(50);
  }
}
