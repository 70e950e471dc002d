import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import type { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine/index.js';
import { App, AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { TransformConfig } from '../config/types.ts';
import { BUILD_QUEUED_TIMEOUT_MINUTES } from '../config/validate.ts';
import { kmsUse, logsWrite, s3Read, s3ReadWrite } from '../lib/grants.ts';
import { ServiceRole, type PolicyStatement } from '../lib/iam.ts';
import type { Naming } from '../lib/naming.ts';
import type { StateMachineDefinition } from '../workflow/asl.ts';
import { BUILD_VARIABLES, transformDefinition } from '../workflow/transform-definition.ts';
import { REPO_ROOT } from './bundled-function.ts';
import { standardStateMachine, type StateMachineEnvironment } from './state-machine.ts';

/**
 * dbt and its Athena adapter, pinned to the versions test/python/requirements-dbt.txt tests with (a stacks test
 * keeps the two in step). dbt-core stays on 1.11: dbt_project.yml requires it, and 1.12 fetches a parser from
 * outside the package registry.
 */
export const DBT_PACKAGES = ['dbt-core==1.11.16', 'dbt-athena==1.11.1'] as const;

/** The custom schemas of dbt_project/dbt_project.yml; on Athena each becomes the Glue database `<prefix>_<schema>`. */
export const DBT_SCHEMAS = ['staging', 'intermediate', 'marts', 'snapshots'] as const;

/** What a local dbt run leaves in the project folder and the build must not ship (compiled SQL, logs, packages). */
export const DBT_EXCLUDED = ['target', 'logs', 'dbt_packages', '.user.yml'] as const;

// A managed image with Python: nothing to build or scan, and pip installs the pinned wheels at build start.
// x86_64 rather than Graviton: every dbt dependency publishes manylinux x86_64 wheels, so nothing compiles.
export const BUILD_IMAGE = 'aws/codebuild/amazonlinux-x86_64-standard:5.0';
export const BUILD_PYTHON = '3.12';

/**
 * Runs `$DBT_COMMAND` (a JSON argv) without a shell: the command must be a list of strings starting with `dbt`,
 * so neither a quoting slip nor an injected `;` in the execution input can run anything else.
 */
export const RUN_DBT_COMMAND =
  'python3 -c \'import json, os, sys; argv = json.loads(os.environ["DBT_COMMAND"]); ' +
  'ok = isinstance(argv, list) and len(argv) > 1 and argv[0] == "dbt" and all(isinstance(a, str) for a in argv); ' +
  'ok or sys.exit("DBT_COMMAND must be a JSON list of strings starting with dbt, got " + os.environ["DBT_COMMAND"]); ' +
  'print("running", argv, flush=True); os.execvp("dbt", argv)\'';

export interface TransformProps extends StateMachineEnvironment {
  readonly config: TransformConfig;
  /** The dbt project folder, relative to the repo root or absolute (default `dbt_project`). */
  readonly projectDir?: string;
  /** Folder the project is staged in before zipping (default `<app outdir>/bundles`). */
  readonly outDir?: string;
}

/**
 * The transform the `transform_on_snapshot` DAG starts: dbt_project/ zipped into the artifacts bucket, a CodeBuild
 * project that installs the pinned dbt and runs the command it is given against the environment's Athena target,
 * and a Standard state machine that runs one build (`startBuild.sync`) and alerts when it fails.
 */
export class Transform extends Construct {
  readonly project: CodebuildProject;
  readonly stateMachine: SfnStateMachine;
  readonly definition: StateMachineDefinition;
  readonly buildRole: ServiceRole;
  readonly buildLogGroup: CloudwatchLogGroup;
  /** The buildspec, as CodeBuild receives it (JSON is YAML). */
  readonly buildspec: BuildSpec;
  /** The command a start without one runs: `dbt build --target <environment>`. */
  readonly defaultCommand: readonly string[];
  /** The state machine's own bound on an execution (TimeoutSeconds of its definition). */
  readonly executionTimeoutSeconds: number;

  constructor(scope: Construct, id: string, props: TransformProps) {
    super(scope, id);
    const { naming, config } = props;
    const names = naming.resources;
    const projectName = names.dbtProject;

    // TerraformAsset takes a whole folder; staging a filtered copy keeps local build output out of the zip.
    const source = props.projectDir ?? 'dbt_project';
    const projectDir = isAbsolute(source) ? source : join(REPO_ROOT, source);
    if (!existsSync(join(projectDir, 'dbt_project.yml')))
      throw new Error(`Transform: ${projectDir} is not a dbt project (no dbt_project.yml)`);
    const staged = join(props.outDir ?? join(App.of(this).outdir, 'bundles'), projectName);
    rmSync(staged, { recursive: true, force: true });
    mkdirSync(staged, { recursive: true });
    cpSync(projectDir, staged, {
      recursive: true,
      filter: (path) => {
        const top = relative(projectDir, path).split(sep)[0] ?? '';
        return !(DBT_EXCLUDED as readonly string[]).includes(top) && basename(path) !== '__pycache__';
      },
    });
    const asset = new TerraformAsset(this, 'dbt-project', { path: staged, type: AssetType.ARCHIVE });
    const object = new S3Object(this, 'artifact', {
      bucket: names.artifactsBucket,
      // Content-addressed: a changed project is a new key, so the project (and its next build) picks it up.
      key: `dbt/${projectName}/${asset.assetHash}.zip`,
      source: asset.path,
      sourceHash: asset.assetHash,
      kmsKeyId: props.kmsKeyArn,
      serverSideEncryption: 'aws:kms',
    });

    this.buildLogGroup = new CloudwatchLogGroup(this, 'build-logs', {
      name: `/aws/codebuild/${projectName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.buildRole = new ServiceRole(this, 'build-role', {
      name: naming.name('dbt-build'),
      service: 'codebuild.amazonaws.com',
      sourceAccount: naming.account,
      statements: buildStatements(naming, props.kmsKeyArn, object.key, this.buildLogGroup.arn),
    });

    const target = naming.environment;
    this.defaultCommand = ['dbt', 'build', '--target', target];
    this.buildspec = buildSpec();
    this.project = new CodebuildProject(this, 'project', {
      name: projectName,
      description: 'dbt build of dbt_project/ against the Athena target (started by the transform state machine)',
      serviceRole: this.buildRole.arn,
      encryptionKey: props.kmsKeyArn,
      buildTimeout: config.buildTimeoutMinutes,
      queuedTimeout: BUILD_QUEUED_TIMEOUT_MINUTES,
      // One dbt build at a time: two would race on the same Iceberg tables. A second start is refused with
      // AccountLimitExceededException, which the state machine waits out.
      concurrentBuildLimit: 1,
      source: {
        type: 'S3',
        location: `${names.artifactsBucket}/${object.key}`,
        buildspec: JSON.stringify(this.buildspec, null, 2),
      },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: {
        type: 'LINUX_CONTAINER',
        computeType: config.computeType,
        image: BUILD_IMAGE,
        imagePullCredentialsType: 'CODEBUILD',
        privilegedMode: false,
        // What dbt_project/profiles.yml reads for the Athena targets (AWS_REGION is set by CodeBuild itself), and
        // defaults for a build started by hand; the state machine overrides the per-run ones.
        environmentVariable: Object.entries({
          LAKEHOUSE_ATHENA_WORKGROUP: names.workgroup,
          LAKEHOUSE_ATHENA_RESULTS_S3: `s3://${names.athenaResultsBucket}/results/`,
          LAKEHOUSE_CURATED_S3: `s3://${names.lakeBucket}/curated/`,
          LAKEHOUSE_GLUE_DATABASE_PREFIX: naming.gluePrefix,
          LAKEHOUSE_PROCESSED_DATABASE: naming.database('processed'),
          [BUILD_VARIABLES.command]: JSON.stringify(this.defaultCommand),
          [BUILD_VARIABLES.runId]: 'manual',
          [BUILD_VARIABLES.snapshots]: '[]',
          [BUILD_VARIABLES.execution]: 'none',
        }).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
      },
      logsConfig: {
        cloudwatchLogs: { status: 'ENABLED', groupName: this.buildLogGroup.name },
        s3Logs: { status: 'DISABLED' },
      },
      dependsOn: [this.buildRole.policy],
    });

    // The build task may queue, then run to CodeBuild's own timeout; the margin lets CodeBuild report that first.
    const buildTaskTimeoutSeconds = (BUILD_QUEUED_TIMEOUT_MINUTES + config.buildTimeoutMinutes) * 60 + 300;
    this.definition = transformDefinition({
      projectName,
      alertTopicArn: props.alertTopicArn,
      buildLogGroup: `/aws/codebuild/${projectName}`,
      defaultCommand: this.defaultCommand,
      buildTaskTimeoutSeconds,
    });
    this.executionTimeoutSeconds = this.definition.TimeoutSeconds ?? buildTaskTimeoutSeconds;
    this.stateMachine = standardStateMachine(this, props, {
      name: names.transformStateMachine,
      roleName: naming.name('transform-sfn'),
      definition: this.definition,
      statements: [
        {
          sid: 'RunBuild',
          actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
          resources: [this.project.arn],
        },
        {
          // startBuild.sync learns that the build ended through this EventBridge rule, which Step Functions
          // manages in the account; the name is fixed by the service.
          sid: 'SyncRule',
          actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
          resources: [naming.arn('events', 'rule/StepFunctionsGetEventForCodeBuildStartBuildRule')],
        },
      ],
    }).stateMachine;
  }
}

export interface BuildSpec {
  readonly version: string;
  readonly env: { readonly variables: Readonly<Record<string, string>> };
  readonly phases: {
    readonly install: { readonly 'runtime-versions': { readonly python: string }; readonly commands: string[] };
    readonly build: { readonly commands: string[] };
  };
}

/** Install the pinned dbt, then run the command of this build from the project folder (the source root). */
export function buildSpec(): BuildSpec {
  return {
    version: '0.2',
    env: { variables: { DBT_PROFILES_DIR: '.' } },
    phases: {
      install: {
        'runtime-versions': { python: BUILD_PYTHON },
        commands: [
          `python3 -m pip install --no-cache-dir --disable-pip-version-check --quiet ${DBT_PACKAGES.map((p) => `'${p}'`).join(' ')}`,
        ],
      },
      build: {
        commands: [
          `echo "run $${BUILD_VARIABLES.runId}, execution $${BUILD_VARIABLES.execution}, snapshots $${BUILD_VARIABLES.snapshots}"`,
          'dbt --version',
          RUN_DBT_COMMAND,
        ],
      },
    },
  };
}

/** The build role: the dbt source object, the Athena workgroup, the catalog and lake prefixes dbt reads and writes. */
function buildStatements(naming: Naming, kmsKeyArn: string, sourceKey: string, logGroupArn: string): PolicyStatement[] {
  const names = naming.resources;
  const lakeArn = naming.bucketArn(names.lakeBucket);
  const artifactsArn = naming.bucketArn(names.artifactsBucket);
  const processed = naming.database('processed');
  // dbt's own schemas: the profile's schema (the prefix) and `<prefix>_<custom schema>` for each layer of models.
  const dbtDatabases = [naming.gluePrefix, ...DBT_SCHEMAS.map((s) => `${naming.gluePrefix}_${s}`)];
  const catalog = naming.arn('glue', 'catalog');
  return [
    logsWrite('Logs', logGroupArn),
    { sid: 'SourceGet', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${artifactsArn}/${sourceKey}`] },
    // CodeBuild checks who owns an S3 source's bucket before it downloads.
    { sid: 'SourceBucket', actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'], resources: [artifactsArn] },
    kmsUse('DataKey', kmsKeyArn),
    {
      sid: 'AthenaQueries',
      actions: [
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:GetWorkGroup',
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
      ],
      resources: [naming.arn('athena', `workgroup/${names.workgroup}`)],
    },
    {
      sid: 'ReadProcessedCatalog',
      actions: [
        'glue:BatchGetPartition',
        'glue:GetDatabase',
        'glue:GetDatabases',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:GetTable',
        'glue:GetTables',
      ],
      resources: [catalog, naming.arn('glue', `database/${processed}`), naming.arn('glue', `table/${processed}/*`)],
    },
    {
      sid: 'WriteDbtCatalog',
      actions: [
        'glue:BatchCreatePartition',
        'glue:BatchDeletePartition',
        'glue:BatchDeleteTableVersion',
        'glue:BatchGetPartition',
        'glue:CreateDatabase',
        'glue:CreateTable',
        'glue:DeleteTable',
        'glue:DeleteTableVersion',
        'glue:GetDatabase',
        'glue:GetDatabases',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:GetTable',
        'glue:GetTableVersions',
        'glue:GetTables',
        'glue:UpdateTable',
      ],
      resources: [
        catalog,
        ...dbtDatabases.map((d) => naming.arn('glue', `database/${d}`)),
        ...dbtDatabases.map((d) => naming.arn('glue', `table/${d}/*`)),
      ],
    },
    // Athena reads and writes S3 with the caller's permissions: the processed Iceberg tables (the processor's
    // warehouse, iceberg/<processed database>/), the curated layer dbt writes, and the workgroup's results.
    ...s3Read('ProcessedRead', lakeArn, naming.icebergPrefix('processed')),
    ...s3ReadWrite('CuratedWrite', lakeArn, 'curated/'),
    ...s3ReadWrite('AthenaResults', naming.bucketArn(names.athenaResultsBucket), 'results/'),
  ];
}
