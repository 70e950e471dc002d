// Writes the `.tftest.hcl` that `terraform test` runs in a synthesized stack: mock_provider "aws" with realistic
// computed ARNs (the real provider still validates arguments, and ARN-typed ones must parse), a plan run with
// assertions on key attributes, then an apply run with mock defaults asserting the outputs.
import type { EnvironmentConfig } from '../../../stacks/config/types.ts';
import { CRAWLED_LAYERS, Naming } from '../../../stacks/lib/naming.ts';
import type { ProviderSchema } from './terraform.ts';
import { ofType, type SynthStack } from './synth.ts';

export interface Assertion {
  readonly condition: string;
  readonly message: string;
}

const SERVICE: Record<string, string> = {
  cloudwatch_log_group: 'logs',
  cloudwatch_metric_alarm: 'cloudwatch',
  cloudwatch_dashboard: 'cloudwatch',
  apigatewayv2: 'execute-api',
  sfn: 'states',
  mwaa: 'airflow',
  vpc: 'ec2',
  subnet: 'ec2',
  flow: 'ec2',
  security: 'ec2',
  nat: 'ec2',
  eip: 'ec2',
  internet: 'ec2',
  route: 'ec2',
  default: 'ec2',
};

function mockArn(type: string, attribute: string, config: EnvironmentConfig): string {
  const bare = type.replace(/^aws_/, '');
  const key = Object.keys(SERVICE).find((k) => bare.startsWith(k));
  const service = key ? (SERVICE[key] as string) : (bare.split('_')[0] as string);
  if (service === 'iam') return `arn:aws:iam::${config.account}:role/mock-${bare}`;
  if (service === 's3') return `arn:aws:s3:::mock-${bare}`;
  if (attribute === 'invoke_arn')
    return `arn:aws:apigateway:${config.region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${config.region}:${config.account}:function:mock/invocations`;
  if (service === 'lambda') return `arn:aws:lambda:${config.region}:${config.account}:function:mock-${attribute}`;
  if (service === 'logs') return `arn:aws:logs:${config.region}:${config.account}:log-group:mock`;
  return `arn:aws:${service}:${config.region}:${config.account}:${bare}/mock-${attribute}`;
}

export function mockProviderBlock(stack: SynthStack, schema: ProviderSchema, config: EnvironmentConfig): string {
  const lines = ['mock_provider "aws" {'];
  for (const type of Object.keys(stack.json.resource ?? {})) {
    const attributes = schema.resource_schemas[type]?.block.attributes ?? {};
    const defaults: Record<string, string> = {};
    for (const [name, attr] of Object.entries(attributes))
      if (
        attr.computed &&
        attr.type === 'string' &&
        /(^|_)arn$/.test(name) &&
        !(stack.json.resource?.[type] ?? {})[name]
      )
        defaults[name] = mockArn(type, name, config);
    if (type === 'aws_kms_key') defaults.key_id = '00000000-0000-0000-0000-000000000000';
    if (Object.keys(defaults).length > 0)
      lines.push(`  mock_resource "${type}" {`, `    defaults = ${hclObject(defaults)}`, '  }');
  }
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
  lines.push(
    '  mock_data "aws_iam_policy_document" {',
    `    defaults = ${hclObject({ json: policy })}`,
    '  }',
    '  mock_data "aws_kms_key" {',
    `    defaults = ${hclObject({ arn: `arn:aws:kms:${config.region}:${config.account}:key/00000000-0000-0000-0000-000000000000` })}`,
    '  }',
    '}',
  );
  return lines.join('\n');
}

function hclObject(values: Record<string, string>): string {
  return `{ ${Object.entries(values)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(', ')} }`;
}

function address(
  stack: SynthStack,
  type: string,
  match: (body: Record<string, unknown>) => boolean = () => true,
): string {
  const found = ofType(stack.json, type).filter(([, body]) => match(body));
  if (found.length !== 1) throw new Error(`${stack.name}: expected one ${type}, found ${found.length}`);
  return `${type}.${(found[0] as [string, unknown])[0]}`;
}

// Lists and sets compare by element type only after tolist(): a literal tuple never equals a list of strings.
const eq = (expr: string, value: unknown, message: string): Assertion => ({
  condition: Array.isArray(value)
    ? `tolist(${expr}) == tolist(${JSON.stringify(value)})`
    : `${expr} == ${JSON.stringify(value)}`,
  message,
});

/** Plan-time assertions on what matters in each kind of stack. */
export function planAssertions(stack: SynthStack, config: EnvironmentConfig): Assertion[] {
  const names = new Naming(config).resources;
  const naming = new Naming(config);
  switch (stack.part) {
    case 'bootstrap':
      return [
        eq(`${address(stack, 'aws_s3_bucket')}.bucket`, naming.stateBucket, 'state bucket name'),
        eq(`${address(stack, 'aws_kms_key')}.enable_key_rotation`, true, 'state key rotation'),
        eq(
          `${address(stack, 'aws_s3_bucket_versioning')}.versioning_configuration[0].status`,
          'Enabled',
          'state versioning',
        ),
      ];
    case 'data': {
      const lake = address(stack, 'aws_s3_bucket', (b) => b.bucket === names.lakeBucket);
      const runs = address(stack, 'aws_dynamodb_table', (b) => b.name === names.runsTable);
      const jobs = address(stack, 'aws_dynamodb_table', (b) => b.name === names.jobsTable);
      const workgroup = address(stack, 'aws_athena_workgroup');
      return [
        eq(`${lake}.bucket`, names.lakeBucket, 'lake bucket name'),
        eq(`${lake}.force_destroy`, config.storage.forceDestroy, 'force_destroy only by opt-in'),
        eq(`${address(stack, 'aws_kms_key')}.enable_key_rotation`, true, 'data key rotation'),
        eq(`${runs}.hash_key`, 'pipeline_name', 'runs partition key'),
        eq(`${runs}.range_key`, 'execution_date', 'runs sort key'),
        eq(`${runs}.global_secondary_index[*].name`, ['status-started_at'], 'runs GSI'),
        eq(`${runs}.point_in_time_recovery[0].enabled`, true, 'runs PITR'),
        eq(`${jobs}.ttl[0].attribute_name`, 'expires_at', 'jobs TTL'),
        eq(`${workgroup}.configuration[0].enforce_workgroup_configuration`, true, 'workgroup enforced'),
        eq(
          `${workgroup}.configuration[0].engine_version[0].selected_engine_version`,
          'Athena engine version 3',
          'engine v3',
        ),
        eq(
          `${workgroup}.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option`,
          'SSE_KMS',
          'encrypted results',
        ),
        ...CRAWLED_LAYERS.map((layer) =>
          eq(
            `${address(stack, 'aws_glue_crawler', (b) => b.name === naming.crawler(layer))}.iceberg_target[0].paths`,
            [`s3://${names.lakeBucket}/${naming.icebergPrefix(layer)}`],
            `${layer} crawler scans the processor's ${layer} Iceberg tables`,
          ),
        ),
      ];
    }
    case 'pipeline': {
      const machine = address(stack, 'aws_sfn_state_machine', (b) => b.name === names.stateMachine);
      const transform = address(stack, 'aws_sfn_state_machine', (b) => b.name === names.transformStateMachine);
      const project = address(stack, 'aws_codebuild_project');
      const processor = address(stack, 'aws_lambda_function', (b) =>
        String(b.function_name).endsWith('stream-processor'),
      );
      const mapping = address(stack, 'aws_lambda_event_source_mapping');
      return [
        eq(`${machine}.type`, 'STANDARD', 'standard workflow'),
        eq(`${machine}.name`, names.stateMachine, 'state machine name'),
        eq(`jsondecode(${machine}.definition).StartAt`, 'RecordRunStarted', 'definition starts by recording the run'),
        eq(`${machine}.tracing_configuration[0].enabled`, config.features.xrayTracing, 'X-Ray'),
        eq(
          `jsondecode(${machine}.definition).States.RunDbtTransform.Parameters.StateMachineArn`,
          naming.arn('states', `stateMachine:${names.transformStateMachine}`),
          'the pipeline runs the transform state machine',
        ),
        eq(`${processor}.runtime`, 'nodejs22.x', 'runtime'),
        eq(`${processor}.architectures`, ['arm64'], 'arm64'),
        eq(`${mapping}.bisect_batch_on_function_error`, true, 'bisect on error'),
        eq(`${mapping}.maximum_retry_attempts`, 3, 'max 3 retries'),
        eq(`${mapping}.batch_size`, config.ingestion.batchSize, 'batch size'),
        eq(`${address(stack, 'aws_kinesis_stream')}.encryption_type`, 'KMS', 'stream encrypted'),
        eq(`${transform}.type`, 'STANDARD', 'transform: standard workflow'),
        eq(
          `jsondecode(${transform}.definition).States.RunDbtBuild.Resource`,
          'arn:aws:states:::codebuild:startBuild.sync',
          'transform waits for the build',
        ),
        eq(`${transform}.tracing_configuration[0].enabled`, config.features.xrayTracing, 'transform X-Ray'),
        eq(`${project}.name`, names.dbtProject, 'dbt project name'),
        eq(`${project}.source[0].type`, 'S3', 'dbt project from S3'),
        eq(`${project}.build_timeout`, config.transform.buildTimeoutMinutes, 'build timeout'),
        eq(`${project}.environment[0].compute_type`, config.transform.computeType, 'build compute type'),
        eq(`${project}.environment[0].privileged_mode`, false, 'build unprivileged'),
        eq(`${project}.logs_config[0].cloudwatch_logs[0].status`, 'ENABLED', 'build logs to CloudWatch'),
      ];
    }
    case 'orchestration': {
      const mwaa = address(stack, 'aws_mwaa_environment');
      return [
        eq(`${mwaa}.environment_class`, 'mw1.small', 'MWAA class'),
        eq(`${mwaa}.airflow_version`, '3.3.1', 'Airflow version'),
        eq(`${address(stack, 'aws_vpc')}.cidr_block`, config.orchestration.vpcCidr, 'VPC CIDR'),
        eq(
          `length([for s in [${ofType(stack.json, 'aws_nat_gateway')
            .map(([id]) => `aws_nat_gateway.${id}`)
            .join(', ')}] : s])`,
          config.orchestration.natGateways,
          'NAT gateways',
        ),
      ];
    }
    default:
      throw new Error(`no assertions for stack part ${stack.part}`);
  }
}

/** Outputs whose value is known from configuration, checked after the mock apply. */
export function applyAssertions(stack: SynthStack, config: EnvironmentConfig): Assertion[] {
  const naming = new Naming(config);
  const names = naming.resources;
  const outputs = Object.keys(stack.json.output ?? {});
  const known: Record<string, string> = {
    state_bucket: naming.stateBucket,
    lake_bucket: names.lakeBucket,
    dags_bucket: names.dagsBucket,
    runs_table: names.runsTable,
    athena_workgroup: names.workgroup,
    stream_name: names.stream,
    dbt_project: names.dbtProject,
    mwaa_environment: names.mwaa,
  };
  const extra =
    stack.part === 'orchestration'
      ? [
          // Subnet ids are known only after apply.
          eq(
            `length(${address(stack, 'aws_mwaa_environment')}.network_configuration[0].subnet_ids)`,
            2,
            'MWAA in two private subnets',
          ),
        ]
      : [];
  return [
    ...extra,
    ...outputs.filter((o) => o in known).map((o) => eq(`output.${o}`, known[o], `output ${o}`)),
    ...outputs.map((o) => ({ condition: `output.${o} != null`, message: `output ${o} is set after apply` })),
  ];
}

export function tftest(stack: SynthStack, schema: ProviderSchema, config: EnvironmentConfig): string {
  const block = (name: string, command: 'plan' | 'apply', asserts: Assertion[]) =>
    [
      `run "${name}" {`,
      `  command = ${command}`,
      ...asserts.flatMap((a) => [
        '  assert {',
        `    condition     = ${a.condition}`,
        `    error_message = ${JSON.stringify(a.message)}`,
        '  }',
      ]),
      '}',
    ].join('\n');
  return [
    mockProviderBlock(stack, schema, config),
    block('plan', 'plan', planAssertions(stack, config)),
    block('apply_with_mocks', 'apply', applyAssertions(stack, config)),
    '',
  ].join('\n\n');
}
