// Every AWS call the system makes in one environment, as (principal, action, resource, context), derived from the
// code: the state machines' Task states, the Lambda handlers' SDK commands and event source mappings, the dbt
// build on CodeBuild/Athena, and the DAGs' operators on MWAA. Each call says why it is made, for the message
// that names it when a policy does not allow it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../stacks/constructs/bundled-function.ts';
import { BUILTIN_CONTRACTS } from '../../../src/contracts/load.ts';
import {
  AIRFLOW_OPERATORS,
  AIRFLOW_VARIABLES,
  athenaQuery,
  DBT_ATHENA_SCHEMA_ACTIONS,
  DBT_ATHENA_TABLE_ACTIONS,
  DBT_ATHENA_WORKGROUP_ACTIONS,
  GLUE_CRAWLER_LOG_ACTIONS,
  GLUE_CRAWLER_TABLE_ACTIONS,
  glueTable,
  KINESIS_POLLER_ACTIONS,
  KMS_SIDE_EFFECTS,
  kmsFor,
  s3Access,
  s3Location,
  STATE_MACHINE_SERVICE_ACTIONS,
  taskRequests,
  type ArnContext,
  type AthenaTable,
  type AwsRequest,
  type S3Location,
} from './aws-actions.ts';
import { handlerSdkCalls, type SdkCall } from './handler-commands.ts';
import { tableKey, type SqlInventory } from './sql-statements.ts';
import { stateMachines, taskStatesOf } from './state-machines.ts';
import type { Body, EnvironmentModel, Role } from './terraform-model.ts';

export interface Call extends AwsRequest {
  /** Why the system makes it: the state, handler line, dbt step or DAG task. */
  readonly why: string;
}

export interface PrincipalCalls {
  readonly role: Role;
  /** The AWS service that assumes the role (checked against the role's trust policy). */
  readonly service: string;
  /** What runs with the role, for messages. */
  readonly who: string;
  readonly calls: readonly Call[];
}

/** A DAG task as dag_operators.py lists it. */
export interface DagTask {
  readonly dag_id: string;
  readonly task_id: string;
  readonly operator: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

const because =
  (why: string) =>
  (r: AwsRequest): Call => ({ ...r, why });

/** Resolves a resource ARN to the customer managed key it is encrypted with, from the Terraform model. */
export function arnContext(model: EnvironmentModel): ArnContext {
  const keyOf = (resourceArn: string): string | undefined => {
    const [, , service, , , rest = ''] = resourceArn.split(':');
    const resolveKey = (r: { stack: Parameters<EnvironmentModel['resolveIn']>[0] }, value: unknown) =>
      typeof value === 'string' ? model.resolveIn(r.stack, value) : undefined;
    switch (service) {
      case 's3': {
        const bucket = resourceArn.slice('arn:aws:s3:::'.length).split('/')[0];
        const config = model
          .all('aws_s3_bucket_server_side_encryption_configuration')
          .find((c) => model.resolveIn(c.stack, c.body.bucket) === bucket);
        const rule = (config?.body.rule as Body[] | undefined)?.[0]?.apply_server_side_encryption_by_default as
          { sse_algorithm?: string; kms_master_key_id?: string } | undefined;
        return config && rule?.sse_algorithm === 'aws:kms' ? resolveKey(config, rule.kms_master_key_id) : undefined;
      }
      case 'sns': {
        const topic = model.all('aws_sns_topic').find((t) => model.resolveIn(t.stack, t.body.name) === rest);
        return topic ? resolveKey(topic, topic.body.kms_master_key_id) : undefined;
      }
      case 'sqs': {
        const queue = model.all('aws_sqs_queue').find((q) => model.resolveIn(q.stack, q.body.name) === rest);
        return queue ? resolveKey(queue, queue.body.kms_master_key_id) : undefined;
      }
      case 'kinesis': {
        const stream = model
          .all('aws_kinesis_stream')
          .find((s) => `stream/${model.resolveIn(s.stack, s.body.name)}` === rest);
        return stream?.body.encryption_type === 'KMS' ? resolveKey(stream, stream.body.kms_key_id) : undefined;
      }
      case 'states': {
        const machineName = resourceArn.split(':')[6];
        return stateMachines(model).find((m) => m.name === machineName)?.keyArn;
      }
      default:
        return undefined;
    }
  };
  return { arn: (service, resource) => model.arn(service, resource), keyOf };
}

/** The tables a statement touches, with their locations where known (unknown tables are the SQL check's finding). */
function athenaTables(
  inventory: SqlInventory,
  statementId: string,
): Record<'read' | 'write' | 'create', AthenaTable[]> {
  const statement = inventory.statements.find((s) => s.id === statementId);
  if (!statement) throw new Error(`no parsed statement ${statementId}`);
  const out: Record<'read' | 'write' | 'create', AthenaTable[]> = { read: [], write: [], create: [] };
  for (const t of statement.tables) {
    const location = inventory.known.get(tableKey(t))?.location;
    out[t.role].push({ database: t.database, table: t.table, location: location ?? noData });
  }
  return out;
}

/** Views and unknown tables have no data location: only their catalog entries are checked. */
const noData: S3Location = { bucket: '', prefix: '' };
function withoutNoData(requests: AwsRequest[]): AwsRequest[] {
  return requests.filter((r) => !r.resource.startsWith('arn:aws:s3:::/') && r.resource !== 'arn:aws:s3:::');
}

function workgroupOf(model: EnvironmentModel, name: string): { results: S3Location; key: string | undefined } {
  const wg = model.all('aws_athena_workgroup').find((w) => model.resolveIn(w.stack, w.body.name) === name);
  if (!wg) throw new Error(`${model.env}: no Athena workgroup ${name}`);
  const result = (wg.body.configuration as Body).result_configuration as {
    output_location: string;
    encryption_configuration?: { kms_key_arn?: string };
  };
  const key = result.encryption_configuration?.kms_key_arn;
  return {
    results: s3Location(result.output_location),
    key: key ? model.resolveIn(wg.stack, key) : undefined,
  };
}

/** Calls of every state machine's execution role: its Task states, Athena queries, logs, tracing, data key. */
export function stateMachineCalls(model: EnvironmentModel, inventory: SqlInventory): PrincipalCalls[] {
  const ctx = arnContext(model);
  return stateMachines(model).map((machine) => {
    const calls: Call[] = [];
    for (const [state, task] of taskStatesOf(machine.definition)) {
      const params = task.Parameters ?? {};
      const why = `${machine.name}, Task state ${state} (${task.Resource})`;
      calls.push(...taskRequests(task.Resource, params, ctx).map(because(why)));
      if (task.Resource.startsWith('arn:aws:states:::athena:startQueryExecution')) {
        const tables = athenaTables(inventory, `${machine.name}/${state}`);
        const workgroup = workgroupOf(model, String(params.WorkGroup));
        const query = athenaQuery(ctx, {
          workgroup: String(params.WorkGroup),
          results: workgroup.results,
          resultsKey: workgroup.key,
          reads: tables.read,
          writes: tables.write,
          creates: tables.create,
        });
        calls.push(...withoutNoData(query).map(because(`${why}: the query's catalog, data and results`)));
      }
    }
    const body = model.all('aws_sfn_state_machine').find((r) => model.resolveIn(r.stack, r.body.name) === machine.name)
      ?.body as Body;
    const logging = body.logging_configuration as { level?: string } | undefined;
    const tracing = (body.tracing_configuration as { enabled?: boolean } | undefined)?.enabled === true;
    for (const [feature, on] of [
      ['logging', logging !== undefined && logging.level !== 'OFF'],
      ['tracing', tracing],
    ] as const)
      if (on)
        calls.push(
          ...STATE_MACHINE_SERVICE_ACTIONS[feature].map((action) =>
            because(`${machine.name}: ${feature} configuration`)({ action, resource: '*' }),
          ),
        );
    if (machine.keyArn)
      calls.push(
        ...['kms:GenerateDataKey', 'kms:Decrypt'].map((action) =>
          because(`${machine.name}: execution data encrypted with a customer managed key`)({
            action,
            resource: machine.keyArn as string,
            context: { 'kms:EncryptionContext:aws:states:stateMachineArn': machine.arn },
          }),
        ),
      );
    return {
      role: model.role(machine.roleArn),
      service: 'states.amazonaws.com',
      who: `state machine ${machine.name}`,
      calls,
    };
  });
}

/** The handler a function runs: `<prefix>-<name>` runs src/handlers/<name>.ts (the stacks' default entries). */
export function handlerEntries(): string[] {
  return readdirSync(join(REPO_ROOT, 'src/handlers'))
    .filter((f) => f.endsWith('.ts') && f !== 'env.ts')
    .map((f) => `src/handlers/${f}`);
}

function sdkRequests(model: EnvironmentModel, call: SdkCall, env: Record<string, string>): AwsRequest[] {
  const ctx = arnContext(model);
  const values = Object.values(env);
  const [service] = call.action.split(':');
  const named = (type: string, attr: string) =>
    model.all(type).filter((r) => values.includes(model.resolveIn(r.stack, r.body[attr])));
  switch (service) {
    case 'dynamodb':
      return named('aws_dynamodb_table', 'name').flatMap((t) => {
        const table = model.arn('dynamodb', `table/${model.resolveIn(t.stack, t.body.name)}`);
        const indexes = ((t.body.global_secondary_index as { name: string }[] | undefined) ?? []).map(
          (i) => `${table}/index/${i.name}`,
        );
        const resources = call.action === 'dynamodb:Query' ? [table, ...indexes] : [table];
        return resources.map((resource) => ({ action: call.action, resource }));
      });
    case 'kinesis':
      return named('aws_kinesis_stream', 'name').flatMap((s) => {
        const stream = model.arn('kinesis', `stream/${model.resolveIn(s.stack, s.body.name)}`);
        return [{ action: call.action, resource: stream }, ...kmsFor(ctx, stream, KMS_SIDE_EFFECTS[call.action] ?? [])];
      });
    case 's3':
      return values
        .filter((v) => v.startsWith('s3://'))
        .flatMap((uri) => {
          const where = s3Location(uri);
          const bucket = `arn:aws:s3:::${where.bucket}`;
          const object = `${bucket}/${where.prefix}lakehouse_check/part-00000.parquet`;
          if (call.action === 's3:ListBucket')
            return [{ action: call.action, resource: bucket, context: { 's3:prefix': where.prefix } }];
          // The SDK sends the encryption header only when the command's input sets ServerSideEncryption.
          const header: Record<string, string> = call.inputKeys.includes('ServerSideEncryption')
            ? { 's3:x-amz-server-side-encryption': 'aws:kms' }
            : {};
          return [
            { action: call.action, resource: object, ...(call.action === 's3:PutObject' ? { context: header } : {}) },
            ...kmsFor(ctx, bucket, KMS_SIDE_EFFECTS[call.action] ?? []),
          ];
        });
    case 'glue': {
      const databases = model
        .all('aws_glue_catalog_database')
        .map((d) => model.resolveIn(d.stack, d.body.name))
        .filter((d) => values.includes(d));
      // Table-level commands touch the processor's tables: one per built-in contract in each database.
      const tableLevel = ['glue:CreateTable', 'glue:GetTable', 'glue:UpdateTable', 'glue:DeleteTable'];
      return databases.flatMap((db) =>
        tableLevel.includes(call.action)
          ? BUILTIN_CONTRACTS.flatMap((t) => glueTable(ctx, call.action, db, t))
          : glueTable(ctx, call.action, db),
      );
    }
    default:
      throw new Error(`no resource mapping for ${call.action} sent at ${call.site} (derive-calls.ts)`);
  }
}

/** Calls of every Lambda function's role: its handler's SDK commands, event source mappings, logs, tracing. */
export function lambdaCalls(model: EnvironmentModel): PrincipalCalls[] {
  const ctx = arnContext(model);
  const entries = handlerEntries();
  return model.all('aws_lambda_function').map((fn) => {
    const name = model.resolveIn(fn.stack, fn.body.function_name);
    const entry = entries.find((e) => name.endsWith(`-${e.replace(/^src\/handlers\/|\.ts$/g, '')}`));
    if (!entry) throw new Error(`${model.env}: function ${name} runs no handler in src/handlers/`);
    const env = Object.fromEntries(
      Object.entries((fn.body.environment as { variables: Record<string, string> }).variables).map(([k, v]) => [
        k,
        model.resolveIn(fn.stack, v),
      ]),
    );
    const calls: Call[] = [];
    const sdk = handlerSdkCalls(entry);
    for (const call of sdk) {
      const requests = sdkRequests(model, call, env);
      if (requests.length === 0)
        throw new Error(`${name}: ${call.action} at ${call.site} names no resource the function's environment binds`);
      calls.push(...requests.map(because(`${name} (${entry}): ${call.command} at ${call.site}`)));
    }
    const arn = model.arn('lambda', `function:${name}`);
    for (const esm of model.all('aws_lambda_event_source_mapping')) {
      if (model.resolveIn(esm.stack, esm.body.function_name) !== arn) continue;
      const source = model.resolveIn(esm.stack, esm.body.event_source_arn);
      const why = `${name}: event source mapping from ${source}`;
      if (!source.includes(':kinesis:')) throw new Error(`${why}: only Kinesis sources are mapped (aws-actions.ts)`);
      calls.push(...KINESIS_POLLER_ACTIONS.map((action) => because(why)({ action, resource: source })));
      calls.push(...kmsFor(ctx, source, ['kms:Decrypt']).map(because(why)));
      const onFailure = (esm.body.destination_config as { on_failure?: { destination_arn?: string } } | undefined)
        ?.on_failure?.destination_arn;
      if (onFailure) {
        const dest = model.resolveIn(esm.stack, onFailure);
        calls.push(because(`${why}: on-failure destination`)({ action: 'sqs:SendMessage', resource: dest }));
        calls.push(
          ...kmsFor(ctx, dest, KMS_SIDE_EFFECTS['sqs:SendMessage'] ?? []).map(
            because(`${why}: on-failure destination`),
          ),
        );
      }
    }
    const logGroup = model.resolveIn(fn.stack, (fn.body.logging_config as { log_group: string }).log_group);
    const stream = model.arn('logs', `log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0`);
    calls.push(
      ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
        because(`${name}: function logs`)({ action, resource: stream }),
      ),
    );
    if ((fn.body.tracing_config as { mode?: string } | undefined)?.mode === 'Active')
      calls.push(
        ...['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((action) =>
          because(`${name}: active tracing`)({ action, resource: '*' }),
        ),
      );
    return {
      role: model.role(model.resolveIn(fn.stack, fn.body.role)),
      service: 'lambda.amazonaws.com',
      who: `Lambda ${name} (${entry}, ${sdk.length} SDK call sites)`,
      calls,
    };
  });
}

/** Calls of the dbt build's CodeBuild role: its source, logs, and what dbt-athena does for every node. */
export function dbtBuildCalls(model: EnvironmentModel, inventory: SqlInventory): PrincipalCalls {
  const ctx = arnContext(model);
  const [project] = model.all('aws_codebuild_project');
  if (!project) throw new Error(`${model.env}: no CodeBuild project`);
  const name = model.resolveIn(project.stack, project.body.name);
  const calls: Call[] = [];
  const source = project.body.source as { type: string; location: string };
  if (source.type !== 'S3') throw new Error(`${name}: only S3 sources are mapped`);
  const location = model.resolveIn(project.stack, source.location);
  const [bucket] = location.split('/');
  const bucketArn = `arn:aws:s3:::${bucket}`;
  // "Allow CodeBuild to interact with other AWS services" (CodeBuild User Guide): the S3 source and the logs.
  const srcWhy = `${name}: download the S3 source ${location}`;
  calls.push(
    ...[
      { action: 's3:GetObject', resource: `arn:aws:s3:::${location}` },
      { action: 's3:GetObjectVersion', resource: `arn:aws:s3:::${location}` },
      { action: 's3:GetBucketAcl', resource: bucketArn },
      { action: 's3:GetBucketLocation', resource: bucketArn },
      ...kmsFor(ctx, bucketArn, ['kms:Decrypt']),
    ].map(because(srcWhy)),
  );
  const logs = (project.body.logs_config as { cloudwatch_logs?: { group_name?: string } }).cloudwatch_logs?.group_name;
  if (logs) {
    const stream = model.arn('logs', `log-group:${model.resolveIn(project.stack, logs)}:log-stream:build-0`);
    calls.push(
      ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
        because(`${name}: build logs`)({ action, resource: stream }),
      ),
    );
  }

  const env = inventory.dbt.build.env;
  const workgroupName = env.LAKEHOUSE_ATHENA_WORKGROUP;
  if (!workgroupName) throw new Error(`${name}: no LAKEHOUSE_ATHENA_WORKGROUP`);
  const workgroup = workgroupOf(model, workgroupName);
  const dbtWhy = `${name}: dbt ${inventory.dbt.build.target} on Athena`;
  calls.push(
    ...DBT_ATHENA_WORKGROUP_ACTIONS.map((action) =>
      because(`${dbtWhy} (workgroup ${workgroupName})`)({
        action,
        resource: model.arn('athena', `workgroup/${workgroupName}`),
      }),
    ),
  );
  const built = new Set<string>();
  for (const statement of inventory.statements) {
    if (
      !statement.id.startsWith('model.') &&
      !statement.id.startsWith('snapshot.') &&
      !statement.id.startsWith('test.')
    )
      continue;
    const why = `${dbtWhy}, ${statement.id}`;
    const tables = athenaTables(inventory, statement.id);
    const query = athenaQuery(ctx, {
      workgroup: workgroupName,
      results: workgroup.results,
      resultsKey: workgroup.key,
      reads: tables.read,
      writes: tables.write,
      creates: tables.create,
    });
    calls.push(...withoutNoData(query).map(because(why)));
    for (const t of statement.builds ? [statement.builds] : []) {
      calls.push(...DBT_ATHENA_SCHEMA_ACTIONS.flatMap((a) => glueTable(ctx, a, t.database)).map(because(why)));
      calls.push(...DBT_ATHENA_TABLE_ACTIONS.flatMap((a) => glueTable(ctx, a, t.database, t.table)).map(because(why)));
      const where = inventory.known.get(tableKey(t))?.location;
      if (where && !built.has(tableKey(t))) calls.push(...s3Access(ctx, where, 'write', true).map(because(why)));
      built.add(tableKey(t));
    }
  }
  return {
    role: model.role(model.resolveIn(project.stack, project.body.service_role)),
    service: 'codebuild.amazonaws.com',
    who: `CodeBuild project ${name} (dbt build, ${inventory.dbt.models} models)`,
    calls,
  };
}

/** Crawler targets whose S3 reads are derived; any other kind fails the derivation. */
const CRAWLER_TARGETS = ['s3_target', 'iceberg_target'];

/** Calls of every Glue crawler's role: read its S3 targets, write its database's tables, log. */
export function crawlerCalls(model: EnvironmentModel): PrincipalCalls[] {
  const ctx = arnContext(model);
  return model.all('aws_glue_crawler').map((crawler) => {
    const name = model.resolveIn(crawler.stack, crawler.body.name);
    const role = model.role(model.resolveIn(crawler.stack, crawler.body.role));
    const database = model.resolveIn(crawler.stack, crawler.body.database_name);
    const why = `crawler ${name}`;
    const calls: Call[] = [];
    const unmapped = Object.keys(crawler.body).filter((k) => k.endsWith('_target') && !CRAWLER_TARGETS.includes(k));
    if (unmapped.length > 0) throw new Error(`${why}: target kinds ${unmapped.join(', ')} are not mapped`);
    const paths = [
      ...((crawler.body.s3_target as { path: string }[] | undefined) ?? []).map((t) => t.path),
      ...((crawler.body.iceberg_target as { paths: string[] }[] | undefined) ?? []).flatMap((t) => t.paths),
    ];
    if (paths.length === 0) throw new Error(`${why}: no S3 or Iceberg target`);
    for (const path of paths) {
      const where = s3Location(model.resolveIn(crawler.stack, path));
      calls.push(
        ...s3Access(ctx, where, 'read', false).map(because(`${why}: S3 target s3://${where.bucket}/${where.prefix}`)),
      );
    }
    calls.push(...glueTable(ctx, 'glue:GetDatabase', database).map(because(why)));
    calls.push(
      ...GLUE_CRAWLER_TABLE_ACTIONS.flatMap((a) => glueTable(ctx, a, database, 'crawled_folder')).map(because(why)),
    );
    const security = crawler.body.security_configuration;
    if (typeof security === 'string') {
      const configuration = model.resolveIn(crawler.stack, security);
      calls.push(because(`${why}: security configuration`)({ action: 'glue:GetSecurityConfiguration', resource: '*' }));
      const group = model.arn('logs', `log-group:/aws-glue/crawlers-role/${role.name}-${configuration}`);
      calls.push(
        ...GLUE_CRAWLER_LOG_ACTIONS.map((action) =>
          because(`${why}: encrypted crawler logs`)({
            action,
            resource: action === 'logs:AssociateKmsKey' ? group : `${group}:log-stream:${name}`,
          }),
        ),
      );
    }
    return { role, service: 'glue.amazonaws.com', who: why, calls };
  });
}

function templated(field: unknown): string {
  return typeof field === 'string' ? field : '';
}

/** Calls of the MWAA execution role: what each DAG task's operator does, on the resources its arguments name. */
export function airflowCalls(model: EnvironmentModel, tasks: readonly DagTask[]): PrincipalCalls | undefined {
  const [mwaa] = model.all('aws_mwaa_environment');
  if (!mwaa) return undefined;
  const ctx = arnContext(model);
  const machineOf = (task: DagTask): string => {
    const template = templated(task.fields.state_machine_arn);
    const variable = /\{\{\s*var\.value\.([a-z0-9_]+)\s*\}\}/.exec(template)?.[1];
    const output = variable ? AIRFLOW_VARIABLES[variable] : undefined;
    if (!output)
      throw new Error(`${task.dag_id}.${task.task_id}: state_machine_arn ${template} is not a mapped Variable`);
    return model.output(output);
  };
  const calls: Call[] = [];
  for (const task of tasks) {
    const operator = AIRFLOW_OPERATORS[task.operator];
    if (!operator)
      throw new Error(`${task.dag_id}.${task.task_id}: operator ${task.operator} is not mapped (aws-actions.ts)`);
    let machine: string;
    if (operator.on === 'stateMachine') machine = machineOf(task);
    else {
      const upstream = /task_ids='([^']+)'/.exec(templated(task.fields.execution_arn))?.[1];
      const start = tasks.find((t) => t.dag_id === task.dag_id && t.task_id === upstream);
      if (!start) throw new Error(`${task.dag_id}.${task.task_id}: execution_arn comes from no task of the DAG`);
      machine = machineOf(start);
    }
    const resource =
      operator.on === 'stateMachine'
        ? machine
        : `${machine.replace(':stateMachine:', ':execution:')}:scheduled__2026-01-01`;
    const why = `DAG ${task.dag_id}, task ${task.task_id} (${task.operator})`;
    calls.push(because(why)({ action: operator.action, resource }));
    calls.push(
      ...kmsFor(ctx, machine, KMS_SIDE_EFFECTS[operator.action] ?? []).map(because(`${why}: the state machine's key`)),
    );
  }
  return {
    role: model.role(model.resolveIn(mwaa.stack, mwaa.body.execution_role_arn)),
    service: 'airflow-env.amazonaws.com',
    who: `MWAA ${model.resolveIn(mwaa.stack, mwaa.body.name)} (${tasks.length} DAG tasks)`,
    calls,
  };
}

export function dagsFolder(): string {
  const folder = join(REPO_ROOT, 'dags');
  if (!existsSync(folder)) throw new Error('no dags/ folder');
  return folder;
}
