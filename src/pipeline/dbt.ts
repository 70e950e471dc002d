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

/** `dbt build --target local` with LAKEHOUSE_HOME set to the warehouse; artefacts go under <warehouse>/dbt. */
export async function dbtBuild(warehouse: string, onLine?: (line: string) => void): Promise<DbtResult> {
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
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    for (const line of text.split('\n')) if (line.trim()) onLine?.(line);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (c) => done(c ?? 1));
  });
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
