// Runs the dbt project against the local warehouse (dbt-duckdb over the Iceberg tables) and reads what it did.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LakehouseError } from '../errors.ts';

const REPO = resolve(import.meta.dirname, '../..');

export interface DbtNodeResult {
  readonly uniqueId: string;
  readonly status: string;
  readonly resourceType: string;
  readonly message: string | null;
  /** Rows touched by a model run (inserted/merged), where the adapter reports it. */
  readonly rowsAffected?: number;
}

export interface DbtResult {
  readonly ok: boolean;
  readonly results: readonly DbtNodeResult[];
  readonly elapsedSeconds: number;
}

export function dbtExecutable(): string {
  const dbt = process.env.LAKEHOUSE_DBT ?? join(REPO, '.venvs', 'dbt', 'bin', 'dbt');
  if (!existsSync(dbt)) {
    throw new LakehouseError(
      'CONFIG',
      `dbt is missing (${dbt}): run \`bash scripts/bootstrap.sh --python\` or set LAKEHOUSE_DBT`,
    );
  }
  return dbt;
}

export interface DbtBuildOptions {
  readonly onLine?: (line: string) => void;
  /**
   * Called once dbt runs, with its pid (also its process group id): a caller that can be killed records it, so that
   * whoever recovers after it can stop a dbt left running (it holds the DuckDB file's lock).
   */
  readonly onStart?: (pid: number) => Promise<void>;
}

/** Signals that end this process while dbt runs are passed on to dbt's process group first. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * `dbt build --target local` with LAKEHOUSE_HOME set to the warehouse; artefacts go under <warehouse>/dbt. dbt runs
 * in a process group of its own, so that it (and anything it starts) can be stopped as one: on SIGINT, SIGTERM or
 * SIGHUP here, or on exit, the group is killed; after a SIGKILL here nothing can be, and recovery does it (run-lock.ts).
 */
export async function dbtBuild(warehouse: string, options: DbtBuildOptions = {}): Promise<DbtResult> {
  const { onLine } = options;
  const targetPath = join(warehouse, 'dbt', 'target');
  const args = [
    'build',
    '--project-dir',
    join(REPO, 'dbt_project'),
    '--profiles-dir',
    join(REPO, 'dbt_project'),
    '--target',
    'local',
    '--target-path',
    targetPath,
    '--log-path',
    join(warehouse, 'dbt', 'logs'),
  ];
  const started = Date.now();
  const child = spawn(dbtExecutable(), args, {
    env: { ...process.env, LAKEHOUSE_HOME: warehouse, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const group = child.pid;
  const stopGroup = (signal: NodeJS.Signals): void => {
    if (group === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-group, signal);
    } catch {
      // already gone
    }
  };
  const onExit = (): void => stopGroup('SIGKILL');
  const onSignal = (signal: NodeJS.Signals): void => {
    stopGroup(signal);
    unhook();
    process.kill(process.pid, signal); // the default action, now that no listener is left
  };
  const unhook = (): void => {
    process.off('exit', onExit);
    for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
  };
  process.on('exit', onExit);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    for (const line of text.split('\n')) if (line.trim()) onLine?.(line);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const closed = new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (c) => done(c ?? 1));
  });
  let code: number;
  try {
    if (group !== undefined) await options.onStart?.(group);
    code = await closed;
  } catch (error) {
    stopGroup('SIGKILL');
    await closed.catch(() => undefined);
    throw error;
  } finally {
    unhook();
  }
  const runResults = join(targetPath, 'run_results.json');
  if (!existsSync(runResults)) {
    throw new LakehouseError(
      'INTERNAL',
      `dbt build failed before running anything (exit ${code}): ${output.slice(-2000)}`,
    );
  }
  const parsed = JSON.parse(await readFile(runResults, 'utf8')) as {
    results: {
      unique_id: string;
      status: string;
      message: string | null;
      adapter_response?: { rows_affected?: number };
    }[];
  };
  const results = parsed.results.map((r) => ({
    uniqueId: r.unique_id,
    status: r.status,
    resourceType: r.unique_id.split('.')[0] ?? 'unknown',
    message: r.message,
    ...(r.adapter_response?.rows_affected !== undefined ? { rowsAffected: r.adapter_response.rows_affected } : {}),
  }));
  return { ok: code === 0, results, elapsedSeconds: (Date.now() - started) / 1000 };
}
