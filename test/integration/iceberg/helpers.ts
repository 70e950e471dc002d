// Shared by the Iceberg integration tests: sample inputs, the rows the record path accepts from them, and those
// rows in the plain form check_tables.py prints (decimals as strings, timestamps as epoch-micros strings, dates
// as epoch days), so a pyiceberg scan can be compared exactly.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Contract, Field } from '../../../src/contracts/model.ts';
import { rowOf } from '../../../src/records/batch.ts';
import { processInput } from '../../../src/records/pipeline.ts';
import { formatDecimal, type Normalised } from '../../../src/records/values.ts';
import { runPythonJson } from '../../helpers/python.ts';

export const CHECK_SCRIPT = join(import.meta.dirname, 'check_tables.py');
// The real command line, as users run it.
const CLI = join(import.meta.dirname, '../../../src/cli/main.ts');

export function plainValue(field: Field, value: Normalised): unknown {
  if (value === null) return null;
  const type = field.type;
  switch (type.kind) {
    case 'decimal':
      return formatDecimal(value as bigint, type.scale);
    case 'timestamp':
      return (value as bigint).toString();
    case 'long': {
      const n = value as bigint;
      return n > 2n ** 53n || n < -(2n ** 53n) ? n.toString() : Number(n);
    }
    case 'struct':
      return Object.fromEntries(
        type.fields.map((f) => [f.name, plainValue(f, (value as Record<string, Normalised>)[f.name] ?? null)]),
      );
    case 'list':
      return (value as Normalised[]).map((v) => plainValue(type.element, v));
    default:
      return value;
  }
}

export type PlainRow = Record<string, unknown>;

/** The rows the record path accepts from a file, in plain form, with `_source` set as ingest sets it. */
export async function acceptedRows(path: string, contract: Contract): Promise<PlainRow[]> {
  const rows: PlainRow[] = [];
  const { chunks } = await processInput(path, contract);
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.batch.length; i++) {
      const row = rowOf(chunk.batch, i);
      const plain: PlainRow = {};
      for (const field of contract.fields) plain[field.name] = plainValue(field, row[field.name] ?? null);
      plain._source = path;
      rows.push(plain);
    }
  }
  return rows;
}

export function writeLines(path: string, lines: Iterable<string>): string {
  writeFileSync(path, [...lines].join('\n') + '\n');
  return path;
}

/** Rows restricted to the given columns and sorted by a key, for order-insensitive exact comparison. */
export function normalizeRows(
  rows: readonly PlainRow[],
  columns: readonly string[],
  key: (r: PlainRow) => string,
): PlainRow[] {
  return rows
    .map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface CheckReport {
  tables: string[];
  scans: {
    table: string;
    snapshot_id: string | null;
    planned_files: number;
    num_rows: number;
    rows?: PlainRow[];
  }[];
  inspect: Record<
    string,
    {
      current_snapshot_id: string | null;
      snapshots: {
        snapshot_id: string;
        parent_id: string | null;
        operation: string;
        summary: Record<string, string>;
        manifest_list: string;
      }[];
      files: {
        file_path: string;
        record_count: number;
        file_size_in_bytes: number;
        partition: Record<string, unknown>;
        content: number;
      }[];
      schema_fields: string[];
      field_ids: Record<string, number>;
    }
  >;
  avro: {
    path: string;
    keys: string[];
    missing_field_ids: string[];
    records: number;
    kind: string;
    manifest_lengths: Record<string, number>;
  }[];
  duckdb: unknown[][][];
}

export interface CheckSpec {
  /** Read through pyiceberg's GlueCatalog against this (moto) endpoint instead of the SQL catalog. */
  glue?: { endpoint: string };
  database?: string;
  warehouse?: string;
  scans?: { table: string; snapshot_id?: string; row_filter?: string; count_only?: boolean }[];
  inspect?: string[];
  /** Field names per table whose ids pyiceberg should report from the table schema. */
  field_ids?: Record<string, string[]>;
  avro_dirs?: string[];
  duckdb?: { sql: string; metadata: string }[];
}

export function check(spec: CheckSpec): CheckReport {
  return runPythonJson<CheckReport>('tools', CHECK_SCRIPT, spec);
}

/** Runs the CLI in a child process (quiet logs); resolves with exit code or signal and both streams. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}
