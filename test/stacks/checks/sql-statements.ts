// Every SQL statement AWS would run for one environment, and every table that exists there:
// statements — the Athena queries of state-machine Task states, the Athena named queries, and dbt's SQL compiled
// for the environment's Athena target (with the environment CodeBuild gives it);
// tables — the Iceberg tables the processor writes (one per built-in contract in its raw and processed databases),
// the Glue tables the stacks declare, and the tables the statements themselves create (CREATE TABLE, dbt models
// and snapshots). sqlglot parses each statement (Athena dialect) and names the tables it reads, writes, creates.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../stacks/constructs/bundled-function.ts';
import { BUILTIN_CONTRACTS } from '../../../src/contracts/load.ts';
import { runPythonJson, venvPython } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { s3Location, type S3Location } from './aws-actions.ts';
import { stateMachines, taskStatesOf } from './state-machines.ts';
import type { EnvironmentModel } from './terraform-model.ts';

const HERE = import.meta.dirname;

export interface SqlStatement {
  readonly id: string;
  /** Where it comes from, for messages: stack, resource, state or dbt node. */
  readonly origin: string;
  readonly sql: string;
  /** The database unqualified names resolve in (QueryExecutionContext, the named query's, the dbt node's schema). */
  readonly database: string;
  /** A table the statement builds without naming it in its SQL (a dbt model's relation). */
  readonly builds?: TableName;
  /** Whether that relation holds data in S3 (a table, incremental model or snapshot; not a view). */
  readonly buildsData?: boolean;
}

export interface TableName {
  readonly database: string;
  readonly table: string;
}

export interface TableUse extends TableName {
  readonly role: 'read' | 'write' | 'create';
  /** The LOCATION a CREATE statement gives, as an S3 URI. */
  readonly location?: string;
}

export interface ParsedStatement extends SqlStatement {
  readonly error?: string;
  readonly tables: readonly TableUse[];
}

/** A table that exists (or is created by something the system runs), with where its data lives. */
export interface KnownTable extends TableName {
  readonly createdBy: string;
  readonly location?: S3Location;
}

export const tableKey = (t: TableName): string => `${t.database}.${t.table}`.toLowerCase();

/** A sample data_interval_start for the `{}` of a States.Format template. */
const SAMPLE_TIMESTAMP = '2026-01-01T00:00:00.000Z';

/** Renders `States.Format('…{}…', $.x)` with a sample value per placeholder (the ASL intrinsic's escapes undone). */
export function renderStatesFormat(expression: string): string {
  const m = /^States\.Format\('((?:[^'\\]|\\.)*)'\s*(?:,[^)]*)?\)$/s.exec(expression.trim());
  if (!m) throw new Error(`not a States.Format call with a literal template: ${expression.slice(0, 80)}`);
  return (m[1] as string).replace(/\\(.)|\{\}/g, (whole, escaped: string | undefined) =>
    escaped !== undefined ? escaped : whole === '{}' ? SAMPLE_TIMESTAMP : whole,
  );
}

/** The Athena statements of every state machine Task state. */
function stateMachineStatements(model: EnvironmentModel): SqlStatement[] {
  const out: SqlStatement[] = [];
  for (const machine of stateMachines(model)) {
    for (const [state, task] of taskStatesOf(machine.definition)) {
      if (!task.Resource.startsWith('arn:aws:states:::athena:startQueryExecution')) continue;
      const params = task.Parameters ?? {};
      const literal = params.QueryString;
      const templated = params['QueryString.$'];
      const sql = typeof literal === 'string' ? literal : renderStatesFormat(String(templated));
      const context = params.QueryExecutionContext as { Database?: string } | undefined;
      out.push({
        id: `${machine.name}/${state}`,
        origin: `${machine.address}: state machine ${machine.name}, Task state ${state}`,
        sql,
        database: context?.Database ?? 'default',
      });
    }
  }
  return out;
}

function namedQueries(model: EnvironmentModel): SqlStatement[] {
  return model.all('aws_athena_named_query').map((q) => ({
    id: `named-query/${model.resolveIn(q.stack, q.body.name)}`,
    origin: `${q.stack.name}:aws_athena_named_query.${q.id} (${model.resolveIn(q.stack, q.body.name)})`,
    sql: model.resolveIn(q.stack, q.body.query),
    database: model.resolveIn(q.stack, q.body.database),
  }));
}

interface DbtNode {
  readonly unique_id: string;
  readonly resource_type: string;
  readonly incremental_branch: boolean;
  readonly schema: string;
  readonly identifier: string;
  readonly materialized: string | null;
  readonly path: string;
  readonly compiled_sql: string | null;
}
interface DbtCompiled {
  readonly nodes: DbtNode[];
  readonly sources: { unique_id: string; schema: string; identifier: string }[];
}

/** The build the transform runs: its CodeBuild project's environment and the target the state machine passes. */
export interface DbtBuild {
  readonly project: string;
  readonly target: string;
  readonly env: Readonly<Record<string, string>>;
  readonly address: string;
}

export function dbtBuild(model: EnvironmentModel): DbtBuild {
  const [project, ...more] = model.all('aws_codebuild_project');
  if (!project || more.length > 0) throw new Error(`${model.env}: expected one CodeBuild project (the dbt build)`);
  const environment = project.body.environment as { environment_variable?: { name: string; value: string }[] };
  const env: Record<string, string> = { AWS_REGION: model.region };
  for (const v of environment.environment_variable ?? []) env[v.name] = model.resolveIn(project.stack, v.value);
  const command = JSON.parse(env.DBT_COMMAND ?? '[]') as string[];
  const target = command[command.indexOf('--target') + 1];
  if (!target || !command.includes('--target')) throw new Error(`${model.env}: DBT_COMMAND names no --target`);
  return { project: model.resolveIn(project.stack, project.body.name), target, env, address: project.stack.name };
}

/** Async, so the environments compile side by side (each compile is two dbt runs of ~15 s). */
async function compileDbt(build: DbtBuild): Promise<DbtCompiled> {
  const args = {
    project: join(REPO_ROOT, 'dbt_project'),
    target: build.target,
    work: tempDir('lakehouse-dbt-athena-'),
    // Compiling makes no AWS call; credentials only satisfy the adapter's client set-up.
    env: { ...build.env, AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline' },
  };
  const { stdout } = await promisify(execFile)(
    venvPython('dbt'),
    [join(HERE, 'dbt_athena_sql.py'), JSON.stringify(args)],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as DbtCompiled;
}

/** dbt-athena's s3_data_naming `schema_table`: a model's data under `<s3_data_dir>/<schema>/<table>/`. */
function dbtLocation(build: DbtBuild, schema: string, table: string): S3Location {
  const dataDir = build.env.LAKEHOUSE_CURATED_S3;
  if (!dataDir) throw new Error('the dbt build has no LAKEHOUSE_CURATED_S3');
  const base = s3Location(dataDir);
  return { bucket: base.bucket, prefix: `${base.prefix}${schema}/${table}/` };
}

export interface SqlInventory {
  readonly statements: readonly ParsedStatement[];
  readonly known: ReadonlyMap<string, KnownTable>;
  readonly dbt: { readonly build: DbtBuild; readonly sources: readonly TableName[]; readonly models: number };
}

/** Every statement of an environment, parsed, and every table known to exist there. */
export async function sqlInventory(model: EnvironmentModel): Promise<SqlInventory> {
  const build = dbtBuild(model);
  const compiled = await compileDbt(build);
  const dbtStatements: SqlStatement[] = compiled.nodes
    .filter((n) => n.compiled_sql !== null)
    .map((n) => ({
      id: `${n.unique_id}${n.incremental_branch ? ' (incremental run)' : ''}`,
      origin: `dbt ${n.resource_type} ${n.unique_id} (${n.path}, target ${build.target}${n.incremental_branch ? ', tables existing' : ', first build'})`,
      sql: n.compiled_sql as string,
      database: n.schema,
      ...((n.resource_type === 'model' && n.materialized !== 'ephemeral') || n.resource_type === 'snapshot'
        ? { builds: { database: n.schema, table: n.identifier }, buildsData: n.materialized !== 'view' }
        : {}),
    }));
  const statements = [...stateMachineStatements(model), ...namedQueries(model), ...dbtStatements];

  const file = join(tempDir('lakehouse-sql-'), 'statements.json');
  writeFileSync(file, JSON.stringify(statements.map((s) => ({ id: s.id, sql: s.sql, database: s.database }))));
  const parsed = runPythonJson<{ id: string; error?: string; tables: TableUse[] }[]>(
    'dbt',
    join(HERE, 'sql_tables.py'),
    { file },
  );
  const byId = new Map(parsed.map((p) => [p.id, p]));
  const withTables: ParsedStatement[] = statements.map((s) => {
    const p = byId.get(s.id);
    if (!p) throw new Error(`sql_tables.py returned nothing for ${s.id}`);
    const built: TableUse[] = s.builds ? [{ ...s.builds, role: 'create' }] : [];
    return { ...s, tables: [...p.tables, ...built], ...(p.error ? { error: p.error } : {}) };
  });

  const known = new Map<string, KnownTable>();
  const add = (t: KnownTable): void => {
    if (!known.has(tableKey(t))) known.set(tableKey(t), t);
  };
  for (const t of writerTables(model)) add(t);
  for (const t of model.all('aws_glue_catalog_table'))
    add({
      database: model.resolveIn(t.stack, t.body.database_name),
      table: model.resolveIn(t.stack, t.body.name),
      createdBy: `${t.stack.name}:aws_glue_catalog_table.${t.id}`,
    });
  for (const s of withTables)
    for (const t of s.tables)
      if (t.role === 'create') {
        const location = s.builds
          ? s.buildsData
            ? dbtLocation(build, t.database, t.table)
            : undefined
          : t.location
            ? s3Location(t.location)
            : undefined;
        add({ database: t.database, table: t.table, createdBy: s.origin, ...(location ? { location } : {}) });
      }
  const sources = compiled.sources.map((s) => ({ database: s.schema, table: s.identifier }));
  const models = new Set(compiled.nodes.filter((n) => n.resource_type === 'model').map((n) => n.unique_id)).size;
  return { statements: withTables, known, dbt: { build, sources, models } };
}

/**
 * The Iceberg tables the stream processor creates: one per built-in contract in each of its databases (the
 * processor's environment names them), at `<warehouse>/<database>/<table>/` (GlueCatalog.tableLocation).
 */
export function writerTables(model: EnvironmentModel): KnownTable[] {
  const processor = model
    .all('aws_lambda_function')
    .find((f) => model.resolveIn(f.stack, f.body.function_name).endsWith('-stream-processor'));
  if (!processor) throw new Error(`${model.env}: no stream-processor function`);
  const vars = (processor.body.environment as { variables: Record<string, string> }).variables;
  const warehouse = s3Location(model.resolveIn(processor.stack, vars.LAKEHOUSE_WAREHOUSE));
  const databases = [vars.LAKEHOUSE_RAW_DATABASE, vars.LAKEHOUSE_PROCESSED_DATABASE];
  return databases.flatMap((db) => {
    if (!db) throw new Error(`${model.env}: the processor's environment names no raw/processed database`);
    return BUILTIN_CONTRACTS.map((table) => ({
      database: db,
      table,
      createdBy: `stream processor (src/processor, contract ${table})`,
      location: { bucket: warehouse.bucket, prefix: `${warehouse.prefix}${db}/${table}/` },
    }));
  });
}
