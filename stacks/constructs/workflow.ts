import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine/index.js';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { kmsUse, s3Read, s3ReadWrite, stateMachineLogDelivery, stateMachineTracing } from '../lib/grants.ts';
import { ServiceRole } from '../lib/iam.ts';
import { LAYERS, type Naming } from '../lib/naming.ts';
import { pipelineDefinition, type PipelineDefinitionProps } from '../workflow/pipeline-definition.ts';
import type { StateMachineDefinition } from '../workflow/asl.ts';

export interface WorkflowProps {
  readonly naming: Naming;
  readonly kmsKeyArn: string;
  readonly alertTopicArn: string;
  readonly logRetentionDays: number;
  readonly xrayTracing: boolean;
  readonly crawlerPollSeconds: number;
  readonly crawlerMaxPolls: number;
  readonly athenaQueryTimeoutSeconds: number;
  /** Resources the definition names by ARN (plain strings carry no dependency), e.g. the alert topic. */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export const TRANSFORM_QUERY =
  'INSERT INTO daily_event_counts SELECT event_date, event_type, count(*) AS events FROM {processed}.events ' +
  "WHERE event_date = date(from_iso8601_timestamp('{}')) GROUP BY event_date, event_type";

/** The Standard state machine that runs one pipeline pass, with its role, logs and tracing. */
export class Workflow extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly definition: StateMachineDefinition;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const { naming } = props;
    const names = naming.resources;
    const crawlers = {
      raw: naming.crawler('raw'),
      processed: naming.crawler('processed'),
      curated: naming.crawler('curated'),
    };
    const definitionProps: PipelineDefinitionProps = {
      runsTable: names.runsTable,
      alertTopicArn: props.alertTopicArn,
      crawlers,
      workgroup: names.workgroup,
      curatedDatabase: naming.database('curated'),
      transformQuery: TRANSFORM_QUERY.replace('{processed}', naming.database('processed')),
      crawlerPollSeconds: props.crawlerPollSeconds,
      crawlerMaxPolls: props.crawlerMaxPolls,
      athenaQueryTimeoutSeconds: props.athenaQueryTimeoutSeconds,
    };
    this.definition = pipelineDefinition(definitionProps);

    // Step Functions requires the `/aws/vendedlogs/` prefix to keep the log resource policy small.
    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/vendedlogs/states/${names.stateMachine}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const lakeArn = naming.bucketArn(names.lakeBucket);
    const glueResources = [
      naming.arn('glue', 'catalog'),
      ...LAYERS.map((l) => naming.arn('glue', `database/${naming.database(l)}`)),
      ...LAYERS.map((l) => naming.arn('glue', `table/${naming.database(l)}/*`)),
    ];
    const role = new ServiceRole(this, 'role', {
      name: naming.name('pipeline-sfn'),
      service: 'states.amazonaws.com',
      sourceAccount: naming.account,
      statements: [
        {
          sid: 'RunRecord',
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [naming.arn('dynamodb', `table/${names.runsTable}`)],
        },
        {
          sid: 'Crawlers',
          actions: ['glue:GetCrawler', 'glue:StartCrawler'],
          resources: Object.values(crawlers).map((c) => naming.arn('glue', `crawler/${c}`)),
        },
        {
          sid: 'AthenaQueries',
          actions: [
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
          ],
          resources: [naming.arn('athena', `workgroup/${names.workgroup}`)],
        },
        {
          sid: 'AthenaCatalog',
          actions: [
            'glue:BatchCreatePartition',
            'glue:CreateTable',
            'glue:GetDatabase',
            'glue:GetPartition',
            'glue:GetPartitions',
            'glue:GetTable',
            'glue:GetTables',
            'glue:UpdateTable',
          ],
          resources: glueResources,
        },
        ...s3Read('LakeRead', lakeArn),
        ...s3ReadWrite('CuratedWrite', lakeArn, 'curated/'),
        ...s3ReadWrite('IcebergWrite', lakeArn, 'iceberg/'),
        ...s3ReadWrite('AthenaResults', naming.bucketArn(names.athenaResultsBucket), 'results/'),
        kmsUse('DataKey', props.kmsKeyArn),
        { sid: 'Alerts', actions: ['sns:Publish'], resources: [props.alertTopicArn] },
        stateMachineLogDelivery(),
        stateMachineTracing(),
      ],
    });

    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name: names.stateMachine,
      type: 'STANDARD',
      roleArn: role.arn,
      definition: JSON.stringify(this.definition),
      loggingConfiguration: { logDestination: `${logGroup.arn}:*`, includeExecutionData: true, level: 'ERROR' },
      tracingConfiguration: { enabled: props.xrayTracing },
      encryptionConfiguration: {
        type: 'CUSTOMER_MANAGED_KMS_KEY',
        kmsKeyId: props.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
      },
      // The policy must exist before Step Functions checks the role can deliver logs.
      dependsOn: [role.policy, ...(props.dependsOn ?? [])],
    });
  }
}
