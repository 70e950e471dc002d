import { readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { MwaaEnvironment } from '@cdktf/provider-aws/lib/mwaa-environment/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { OrchestrationConfig } from '../config/types.ts';
import { kmsUse } from '../lib/grants.ts';
import { ServiceRole } from '../lib/iam.ts';
import type { Naming } from '../lib/naming.ts';
import { REPO_ROOT } from './bundled-function.ts';
import { Network } from './network.ts';

export const AIRFLOW_IGNORE = '.airflowignore';

export interface OrchestrationProps {
  readonly naming: Naming;
  readonly config: OrchestrationConfig;
  readonly kmsKeyArn: string;
  readonly logRetentionDays: number;
}

/** MWAA (Airflow) in two private subnets, with DAGs and requirements uploaded from the repo as assets. */
export class Orchestration extends Construct {
  readonly environment: MwaaEnvironment;
  readonly network: Network;

  constructor(scope: Construct, id: string, props: OrchestrationProps) {
    super(scope, id);
    const { naming, config } = props;
    const names = naming.resources;
    const dagsArn = naming.bucketArn(names.dagsBucket);
    this.network = new Network(this, 'network', {
      naming,
      cidr: config.vpcCidr,
      natGateways: config.natGateways,
      availabilityZones: config.availabilityZones,
      kmsKeyArn: props.kmsKeyArn,
      logRetentionDays: props.logRetentionDays,
    });
    const sg = new SecurityGroup(this, 'sg', {
      name: naming.name('airflow'),
      description: 'MWAA workers, scheduler and webserver: talk to each other, egress over HTTPS',
      vpcId: this.network.vpc.id,
      ingress: [
        {
          description: 'Airflow components within the group',
          fromPort: 0,
          toPort: 0,
          protocol: '-1',
          selfAttribute: true,
        },
      ],
      egress: [
        {
          description: 'HTTPS to AWS APIs and PyPI',
          fromPort: 443,
          toPort: 443,
          protocol: 'tcp',
          cidrBlocks: ['0.0.0.0/0'],
        },
        {
          description: 'Metadata database within the group',
          fromPort: 5432,
          toPort: 5432,
          protocol: 'tcp',
          selfAttribute: true,
        },
      ],
    });

    const dir = isAbsolute(config.dagsDir) ? config.dagsDir : join(REPO_ROOT, config.dagsDir);
    // The DAG files, their helper modules, and the .airflowignore that keeps the DAG processor from parsing the
    // helpers as DAG files (it reads the file from the DAGs folder, so it must be uploaded with them).
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.py') || f === AIRFLOW_IGNORE)
      .sort();
    const upload = (file: string, key: string): S3Object => {
      const asset = new TerraformAsset(this, `asset-${file}`, { path: join(dir, file), type: AssetType.FILE });
      return new S3Object(this, `object-${file}`, {
        bucket: names.dagsBucket,
        key,
        source: asset.path,
        sourceHash: asset.assetHash,
        kmsKeyId: props.kmsKeyArn,
        serverSideEncryption: 'aws:kms',
      });
    };
    const dagObjects = files.map((f) => upload(f, `dags/${f}`));
    const requirements = upload('requirements.txt', 'requirements.txt');

    // The state machines the DAGs start: lakehouse_pipeline the pipeline, transform_on_snapshot the transform.
    const machines = [names.stateMachine, names.transformStateMachine];
    const role = new ServiceRole(this, 'execution-role', {
      name: naming.name('airflow'),
      service: 'airflow-env.amazonaws.com',
      statements: [
        {
          sid: 'StartStateMachines',
          actions: ['states:DescribeStateMachine', 'states:StartExecution'],
          resources: machines.map((m) => naming.arn('states', `stateMachine:${m}`)),
        },
        {
          sid: 'WatchExecutions',
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: machines.map((m) => naming.arn('states', `execution:${m}:*`)),
        },
        {
          sid: 'ReadDagsBucket',
          actions: [
            's3:GetBucketLocation',
            's3:GetBucketPublicAccessBlock',
            's3:GetBucketVersioning',
            's3:GetObject',
            's3:GetObjectVersion',
            's3:ListBucket',
          ],
          resources: [dagsArn, `${dagsArn}/*`],
        },
        {
          sid: 'CheckAccountPublicAccess',
          actions: ['s3:GetAccountPublicAccessBlock'],
          // An account-level setting: the action has no resource type.
          resources: ['*'],
        },
        {
          sid: 'PublishMetrics',
          actions: ['airflow:PublishMetrics'],
          resources: [naming.arn('airflow', `environment/${names.mwaa}`)],
        },
        {
          sid: 'Logs',
          actions: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:GetLogEvents',
            'logs:GetLogGroupFields',
            'logs:GetLogRecord',
            'logs:GetQueryResults',
            'logs:PutLogEvents',
          ],
          resources: [
            naming.arn('logs', `log-group:airflow-${names.mwaa}-*`),
            naming.arn('logs', `log-group:airflow-${names.mwaa}-*:*`),
          ],
        },
        {
          sid: 'CeleryQueues',
          actions: [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
            'sqs:ReceiveMessage',
            'sqs:SendMessage',
          ],
          // MWAA's Celery queues live in an AWS-owned account, named airflow-celery-*.
          resources: [`arn:${naming.partition}:sqs:${naming.region}:*:airflow-celery-*`],
        },
        {
          sid: 'MetricsAndLogGroups',
          actions: ['cloudwatch:PutMetricData', 'logs:DescribeLogGroups'],
          // PutMetricData and DescribeLogGroups support no resource-level permissions.
          resources: ['*'],
        },
        kmsUse('DataKey', props.kmsKeyArn),
        {
          sid: 'CeleryQueueKey',
          actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          // The Celery queues are encrypted with an AWS-owned key in MWAA's account: any key except this
          // account's, and only through SQS.
          resources: [],
          notResources: [`arn:${naming.partition}:kms:*:${naming.account}:key/*`],
          conditions: [
            { test: 'StringLike', variable: 'kms:ViaService', values: [`sqs.${naming.region}.amazonaws.com`] },
          ],
        },
      ],
    });
    // MWAA logs to `airflow-<environment>-<Component>`; creating the groups first sets their retention and key.
    const logGroups = ['DAGProcessing', 'Scheduler', 'Task', 'WebServer', 'Worker'].map(
      (component) =>
        new CloudwatchLogGroup(this, `logs-${component.toLowerCase()}`, {
          name: `airflow-${names.mwaa}-${component}`,
          retentionInDays: props.logRetentionDays,
          kmsKeyId: props.kmsKeyArn,
        }),
    );
    const logging = { enabled: true, logLevel: 'INFO' };
    this.environment = new MwaaEnvironment(this, 'environment', {
      name: names.mwaa,
      airflowVersion: config.airflowVersion,
      environmentClass: config.environmentClass,
      minWorkers: config.minWorkers,
      maxWorkers: config.maxWorkers,
      executionRoleArn: role.arn,
      sourceBucketArn: dagsArn,
      dagS3Path: 'dags/',
      requirementsS3Path: requirements.key,
      requirementsS3ObjectVersion: requirements.versionId,
      webserverAccessMode: config.webserverAccess,
      networkConfiguration: { securityGroupIds: [sg.id], subnetIds: this.network.privateSubnets.map((s) => s.id) },
      loggingConfiguration: {
        dagProcessingLogs: logging,
        schedulerLogs: logging,
        taskLogs: logging,
        webserverLogs: { enabled: true, logLevel: 'WARNING' },
        workerLogs: logging,
      },
      airflowConfigurationOptions: {
        'core.load_examples': 'False',
        'webserver.warn_deployment_exposure': 'False',
      },
      dependsOn: [role.policy, ...dagObjects, ...logGroups],
    });
  }
}
