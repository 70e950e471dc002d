// What IAM authorizes when the system calls AWS: the mapping tables of the permission check, in one place.
// Each entry names the AWS documentation page it follows (page titles, as of 2026); the check fails on any
// integration, command or operator not listed here, so a new call cannot pass unexamined.

import { parseS3Uri } from '../../../src/io/s3.ts';

/** One request AWS authorizes: the IAM action, the resource ARN, and the request context known statically. */
export interface AwsRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

/** What the task mappings need to name resources (ARNs of this account and region, encryption keys). */
export interface ArnContext {
  arn(service: string, resource: string): string;
  /** The KMS key a resource is encrypted with, by the resource's ARN; undefined when it uses an AWS-owned key. */
  keyOf(resourceArn: string): string | undefined;
}

type Params = Readonly<Record<string, unknown>>;

function param(params: Params, name: string, integration: string): string {
  const value = params[name];
  if (typeof value !== 'string')
    throw new Error(`${integration}: parameter ${name} is not a static string (${JSON.stringify(value)})`);
  return value;
}

/** The calls an encrypted resource adds for whoever reads or writes through it (`kms:*` on its key). */
export function kmsFor(ctx: ArnContext, resourceArn: string, actions: readonly string[]): AwsRequest[] {
  const key = ctx.keyOf(resourceArn);
  return key ? actions.map((action) => ({ action, resource: key })) : [];
}

// --- Step Functions optimized integrations ------------------------------------------------------------------
// "Integrating services with Step Functions" and "How Step Functions generates IAM policies for integrated
// services" (Step Functions Developer Guide), and each service's page: "Call DynamoDB with Step Functions",
// "Call Amazon SNS with Step Functions", "Run Athena queries with Step Functions", "Start an AWS CodeBuild build
// with Step Functions", "Start a new AWS Step Functions state machine from a running execution",
// "Invoke an AWS Lambda function with Step Functions". The `.sync` pattern adds the calls Step Functions makes
// to follow the job: polling (Athena) or an EventBridge rule it manages in the account, named by the service.

type TaskMapping = (params: Params, ctx: ArnContext, sync: boolean, integration: string) => AwsRequest[];

const DYNAMODB_ITEM: Record<string, string> = {
  putItem: 'dynamodb:PutItem',
  getItem: 'dynamodb:GetItem',
  updateItem: 'dynamodb:UpdateItem',
  deleteItem: 'dynamodb:DeleteItem',
};

/** Rule names Step Functions creates for `.sync` integrations that wait on EventBridge. */
export const SYNC_RULES = {
  codebuild: 'StepFunctionsGetEventForCodeBuildStartBuildRule',
  states: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
} as const;

function syncRule(ctx: ArnContext, rule: string): AwsRequest[] {
  return ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({
    action,
    resource: ctx.arn('events', `rule/${rule}`),
  }));
}

const OPTIMIZED: Record<string, TaskMapping> = {
  ...Object.fromEntries(
    Object.entries(DYNAMODB_ITEM).map(([api, action]): [string, TaskMapping] => [
      `dynamodb:${api}`,
      (p, ctx, _sync, i) => {
        const table = ctx.arn('dynamodb', `table/${param(p, 'TableName', i)}`);
        return [{ action, resource: table }];
      },
    ]),
  ),
  'sns:publish': (p, ctx, _sync, i) => {
    const topic = param(p, 'TopicArn', i);
    // "Encryption at rest" (SNS Developer Guide): publishing to a topic under a customer managed key needs
    // kms:GenerateDataKey and kms:Decrypt on that key.
    return [{ action: 'sns:Publish', resource: topic }, ...kmsFor(ctx, topic, ['kms:GenerateDataKey', 'kms:Decrypt'])];
  },
  'athena:startQueryExecution': (p, ctx, sync, i) => {
    const workgroup = ctx.arn('athena', `workgroup/${param(p, 'WorkGroup', i)}`);
    const actions = [
      'athena:StartQueryExecution',
      ...(sync ? ['athena:GetQueryExecution', 'athena:StopQueryExecution'] : []),
    ];
    // The query's own reads and writes (catalog, lake, results) are added by athenaQuery() from its SQL.
    return actions.map((action) => ({ action, resource: workgroup }));
  },
  'codebuild:startBuild': (p, ctx, sync, i) => {
    const project = ctx.arn('codebuild', `project/${param(p, 'ProjectName', i)}`);
    const actions = ['codebuild:StartBuild', ...(sync ? ['codebuild:StopBuild', 'codebuild:BatchGetBuilds'] : [])];
    return [
      ...actions.map((action) => ({ action, resource: project })),
      ...(sync ? syncRule(ctx, SYNC_RULES.codebuild) : []),
    ];
  },
  'states:startExecution': (p, ctx, sync, i) => {
    const machine = param(p, 'StateMachineArn', i);
    const execution = `${machine.replace(':stateMachine:', ':execution:')}:child`;
    return [
      { action: 'states:StartExecution', resource: machine },
      ...kmsFor(ctx, machine, KMS_SIDE_EFFECTS['states:StartExecution'] ?? []),
      ...(sync
        ? [
            { action: 'states:DescribeExecution', resource: execution },
            { action: 'states:StopExecution', resource: execution },
            ...kmsFor(ctx, machine, KMS_SIDE_EFFECTS['states:DescribeExecution'] ?? []),
            ...syncRule(ctx, SYNC_RULES.states),
          ]
        : []),
    ];
  },
  'lambda:invoke': (p, ctx, _sync, i) => {
    const name = param(p, 'FunctionName', i);
    const fn = name.startsWith('arn:') ? name : ctx.arn('lambda', `function:${name}`);
    return [{ action: 'lambda:InvokeFunction', resource: fn }];
  },
};

// "Call other AWS services" (AWS SDK service integrations, Step Functions Developer Guide): the IAM action is the
// service's API action; the resource is the one the API names. Only the APIs the definitions use are listed.
const SDK_RESOURCES: Record<string, (p: Params, ctx: ArnContext, integration: string) => string> = {
  'glue:startCrawler': (p, ctx, i) => ctx.arn('glue', `crawler/${param(p, 'Name', i)}`),
  'glue:getCrawler': (p, ctx, i) => ctx.arn('glue', `crawler/${param(p, 'Name', i)}`),
};

/** The requests a Task state's `Resource` + `Parameters` make, with the execution role's credentials. */
export function taskRequests(resource: string, params: Params, ctx: ArnContext): AwsRequest[] {
  const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(\.waitForTaskToken)?$/.exec(resource);
  if (sdk) {
    const [, service, api] = sdk as unknown as [string, string, string];
    const target = SDK_RESOURCES[`${service}:${api}`];
    if (!target) throw new Error(`no resource mapping for SDK integration ${resource} (aws-actions.ts)`);
    return [
      { action: `${service}:${api.charAt(0).toUpperCase()}${api.slice(1)}`, resource: target(params, ctx, resource) },
    ];
  }
  const optimized = /^arn:aws:states:::([a-z0-9]+:[A-Za-z0-9]+)(\.sync(?::2)?|\.waitForTaskToken)?$/.exec(resource);
  const mapping = optimized ? OPTIMIZED[optimized[1] as string] : undefined;
  if (!optimized || !mapping) throw new Error(`no mapping for Task resource ${resource} (aws-actions.ts)`);
  return mapping(params, ctx, (optimized[2] ?? '').startsWith('.sync'), resource);
}

// --- AWS SDK for JavaScript v3 commands ----------------------------------------------------------------------
// "Actions, resources, and condition keys for <service>" (Service Authorization Reference): the IAM action of
// most APIs is the API's name; these are the exceptions among the commands the handlers send.

/** IAM service prefix of each SDK package the handlers import commands from. */
export const SDK_PACKAGES: Record<string, string> = {
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-glue': 'glue',
  '@aws-sdk/client-kinesis': 'kinesis',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  // The document client's commands wrap DynamoDB's item APIs.
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-lambda': 'lambda',
};

const COMMAND_ACTIONS: Record<string, string> = {
  // "Amazon S3 API operations and required permissions" (S3 User Guide).
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  // "Using the DynamoDB document client" (SDK for JavaScript v3 Developer Guide).
  'dynamodb:Put': 'dynamodb:PutItem',
  'dynamodb:Get': 'dynamodb:GetItem',
  'dynamodb:Update': 'dynamodb:UpdateItem',
  'dynamodb:Delete': 'dynamodb:DeleteItem',
  'dynamodb:BatchGet': 'dynamodb:BatchGetItem',
  'dynamodb:BatchWrite': 'dynamodb:BatchWriteItem',
  'lambda:Invoke': 'lambda:InvokeFunction',
};

/** `PutObjectCommand` from `@aws-sdk/client-s3` → `s3:PutObject`. */
export function commandAction(pkg: string, command: string): string {
  const prefix = SDK_PACKAGES[pkg];
  if (!prefix) throw new Error(`no IAM prefix for SDK package ${pkg} (aws-actions.ts)`);
  const api = `${prefix}:${command.replace(/Command$/, '')}`;
  return COMMAND_ACTIONS[api] ?? api;
}

// --- Encryption side effects -------------------------------------------------------------------------------------
// "Protecting data with server-side encryption using AWS KMS keys (SSE-KMS)" (S3 User Guide): uploads need
// kms:GenerateDataKey, downloads kms:Decrypt. "Permissions for using AWS KMS encryption" (Kinesis Data Streams
// Developer Guide): producers kms:GenerateDataKey, consumers kms:Decrypt. "Key management" (SQS Developer Guide):
// producers kms:GenerateDataKey and kms:Decrypt. "Data at rest encryption" (Step Functions Developer Guide):
// callers of StartExecution need kms:GenerateDataKey, of DescribeExecution kms:Decrypt, on the state machine's key.
export const KMS_SIDE_EFFECTS: Record<string, readonly string[]> = {
  's3:PutObject': ['kms:GenerateDataKey'],
  's3:GetObject': ['kms:Decrypt'],
  'kinesis:PutRecord': ['kms:GenerateDataKey'],
  'kinesis:PutRecords': ['kms:GenerateDataKey'],
  'kinesis:GetRecords': ['kms:Decrypt'],
  'sqs:SendMessage': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'states:StartExecution': ['kms:GenerateDataKey'],
  'states:DescribeExecution': ['kms:Decrypt'],
};

// --- What Step Functions does for a state machine's own configuration -----------------------------------------
// "Logging Step Functions using CloudWatch Logs" (vended log delivery, no resource-level permissions) and
// "Trace Step Functions request data in AWS X-Ray" (Step Functions Developer Guide). Written out here rather than
// imported from stacks/lib/grants.ts: the check must not take its expectations from the code it checks.
export const STATE_MACHINE_SERVICE_ACTIONS = {
  logging: [
    'logs:CreateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:DescribeLogGroups',
    'logs:DescribeResourcePolicies',
    'logs:GetLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:UpdateLogDelivery',
  ],
  tracing: ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
} as const;

// --- Lambda event source mappings -------------------------------------------------------------------------------
// "Using AWS Lambda with Amazon Kinesis" (Lambda Developer Guide, execution role permissions): Lambda reads the
// stream with the function's role, and sends failed batches to the on-failure destination with it too.
export const KINESIS_POLLER_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
] as const;

// --- Glue crawlers ----------------------------------------------------------------------------------------------
// "How crawlers work" and "Crawler prerequisites" (Glue Developer Guide): a crawler reads its S3 targets and
// creates or updates tables and partitions in its database with its own role; with a security configuration that
// encrypts CloudWatch logs, it logs to `/aws-glue/crawlers-role/<role>-<configuration>` and associates the key
// ("Encrypting data written by crawlers, jobs, and development endpoints").
export const GLUE_CRAWLER_TABLE_ACTIONS = [
  'glue:BatchCreatePartition',
  'glue:BatchGetPartition',
  'glue:CreateTable',
  'glue:GetPartitions',
  'glue:GetTable',
  'glue:UpdateTable',
] as const;
export const GLUE_CRAWLER_LOG_ACTIONS = ['logs:AssociateKmsKey', 'logs:CreateLogStream', 'logs:PutLogEvents'] as const;

// --- Airflow operators (apache-airflow-providers-amazon) -----------------------------------------------------
// The operator and sensor call StartExecution and DescribeExecution (the provider's StepFunctionHook).
export const AIRFLOW_OPERATORS: Record<string, { readonly action: string; readonly on: 'stateMachine' | 'execution' }> =
  {
    StepFunctionStartExecutionOperator: { action: 'states:StartExecution', on: 'stateMachine' },
    StepFunctionExecutionSensor: { action: 'states:DescribeExecution', on: 'execution' },
  };

/** Airflow Variables the DAGs read, and the stack output each is set from (docs/deploy.md). */
export const AIRFLOW_VARIABLES: Record<string, string> = {
  lakehouse_pipeline_state_machine_arn: 'state_machine_arn',
  lakehouse_transform_state_machine_arn: 'transform_state_machine_arn',
};

// --- Athena queries ----------------------------------------------------------------------------------------------
// "Identity and access management in Athena" and "Access to Amazon S3 / AWS Glue Data Catalog from Athena"
// (Athena User Guide): a query runs with the caller's permissions on the workgroup, the Glue catalog objects it
// reads or writes (catalog, database and table ARNs are all authorized), the tables' S3 locations and the results
// location; "Encrypt Athena query results stored in Amazon S3": with SSE_KMS results, and for data CTAS/INSERT
// write, the caller needs kms:GenerateDataKey and kms:Decrypt on the workgroup's key, and S3 receives the
// `x-amz-server-side-encryption: aws:kms` header.

/** The Glue ARNs IAM checks for a table-level call: catalog, database, table. */
export function glueTable(ctx: ArnContext, action: string, database: string, table?: string): AwsRequest[] {
  return [
    { action, resource: ctx.arn('glue', 'catalog') },
    { action, resource: ctx.arn('glue', `database/${database}`) },
    ...(table ? [{ action, resource: ctx.arn('glue', `table/${database}/${table}`) }] : []),
  ];
}

export interface S3Location {
  readonly bucket: string;
  /** Key prefix ending in `/`. */
  readonly prefix: string;
}

/** `s3://bucket/some/prefix` → the location of the objects under it (the prefix ends in `/`, or is empty). */
export function s3Location(uri: string): S3Location {
  const { bucket, key } = parseS3Uri(uri);
  return { bucket, prefix: key === '' || key.endsWith('/') ? key : `${key}/` };
}

/** Reads (`read`) or reads and writes (`write`) of objects under a location, as Athena or an SDK client makes them. */
export function s3Access(ctx: ArnContext, where: S3Location, mode: 'read' | 'write', kmsHeader: boolean): AwsRequest[] {
  const bucket = `arn:aws:s3:::${where.bucket}`;
  const object = `${bucket}/${where.prefix}part-00000.parquet`;
  const put: Record<string, string> = kmsHeader ? { 's3:x-amz-server-side-encryption': 'aws:kms' } : {};
  return [
    { action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': where.prefix } },
    { action: 's3:GetBucketLocation', resource: bucket },
    { action: 's3:GetObject', resource: object },
    ...kmsFor(ctx, bucket, KMS_SIDE_EFFECTS['s3:GetObject'] ?? []),
    ...(mode === 'write'
      ? [
          { action: 's3:PutObject', resource: object, context: put },
          { action: 's3:AbortMultipartUpload', resource: object },
          ...kmsFor(ctx, bucket, KMS_SIDE_EFFECTS['s3:PutObject'] ?? []),
        ]
      : []),
  ];
}

export interface AthenaTable {
  readonly database: string;
  readonly table: string;
  readonly location: S3Location;
}

export interface AthenaQueryProps {
  readonly workgroup: string;
  readonly results: S3Location;
  readonly resultsKey: string | undefined;
  readonly reads: readonly AthenaTable[];
  readonly writes: readonly AthenaTable[];
  /** Tables a statement creates (CTAS, CREATE TABLE): glue:CreateTable on the new table's ARNs. */
  readonly creates: readonly AthenaTable[];
}

/** What one Athena query needs beyond StartQueryExecution: results, catalog and lake access, and their keys. */
export function athenaQuery(ctx: ArnContext, q: AthenaQueryProps): AwsRequest[] {
  const results = s3Access(ctx, q.results, 'write', true);
  const resultsKey = q.resultsKey
    ? ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({ action, resource: q.resultsKey as string }))
    : [];
  const reads = q.reads.flatMap((t) => [
    ...glueTable(ctx, 'glue:GetDatabase', t.database),
    ...glueTable(ctx, 'glue:GetTable', t.database, t.table),
    ...s3Access(ctx, t.location, 'read', true),
  ]);
  const writes = q.writes.flatMap((t) => [
    ...glueTable(ctx, 'glue:GetTable', t.database, t.table),
    ...glueTable(ctx, 'glue:UpdateTable', t.database, t.table),
    ...s3Access(ctx, t.location, 'write', true),
  ]);
  const creates = q.creates.flatMap((t) => [
    ...glueTable(ctx, 'glue:GetDatabase', t.database),
    ...glueTable(ctx, 'glue:CreateTable', t.database, t.table),
    ...s3Access(ctx, t.location, 'write', true),
  ]);
  return [...results, ...resultsKey, ...reads, ...writes, ...creates];
}

/** What dbt-athena does to a model's table around its SQL: create the schema, replace, rename and drop tables. */
export const DBT_ATHENA_TABLE_ACTIONS = [
  'glue:CreateTable',
  'glue:DeleteTable',
  'glue:GetTable',
  'glue:GetTables',
  'glue:UpdateTable',
] as const;
export const DBT_ATHENA_SCHEMA_ACTIONS = ['glue:CreateDatabase', 'glue:GetDatabase', 'glue:GetDatabases'] as const;
/** dbt-athena reads the workgroup's settings and pages query results through the API. */
export const DBT_ATHENA_WORKGROUP_ACTIONS = [
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:GetWorkGroup',
  'athena:StartQueryExecution',
  'athena:StopQueryExecution',
] as const;
