// `lakehouse query`: DuckDB (from the project's Python tools venv, not an npm dependency — its npm package cannot
// be locked for every platform) over every table's current snapshot, by Iceberg field id.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Catalog } from '../../catalog/catalog.ts';
import { LakehouseError } from '../../errors.ts';
import { isS3 } from '../../io/index.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(import.meta.dirname, 'duckdb_query.py');

/** $LAKEHOUSE_PYTHON, else the repository's tools venv. */
export function queryPython(): string {
  const python = process.env.LAKEHOUSE_PYTHON ?? join(REPO, '.venvs', 'tools', 'bin', 'python');
  if (!existsSync(python)) {
    throw new LakehouseError(
      'CONFIG',
      `lakehouse query needs DuckDB from the tools venv (${python} is missing): run \`bash scripts/bootstrap.sh --python\` or set LAKEHOUSE_PYTHON`,
      { python },
    );
  }
  return python;
}

export interface QueryResult {
  readonly columns: string[];
  readonly types: string[];
  readonly rows: unknown[][];
}

export async function runQuery(sql: string, catalog: Catalog): Promise<QueryResult> {
  const tables = [];
  for (const t of await catalog.listTables()) {
    tables.push({ namespace: t.namespace, name: t.name, metadata_location: await catalog.loadMetadataLocation(t) });
  }
  const martsPath = isS3(catalog.warehouse) ? undefined : join(catalog.warehouse, 'marts.duckdb');
  const request = { sql, tables, marts: martsPath && existsSync(martsPath) ? martsPath : null };
  const child = spawn(queryPython(), [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(JSON.stringify(request));
  const code = await new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (c) => done(c ?? 1));
  });
  if (code !== 0) {
    const reason = stderr.trim().split('\n').pop() ?? `exit ${code}`;
    throw new LakehouseError('VALIDATION', `query failed: ${reason}`, { sql });
  }
  return JSON.parse(stdout) as QueryResult;
}
