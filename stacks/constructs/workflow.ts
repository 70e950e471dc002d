import type { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine/index.js';
import { Construct } from 'constructs';
import { s3Read, s3ReadWrite } from '../lib/grants.ts';
import { LAYERS } from '../lib/naming.ts';
import { pipelineDefinition, type PipelineDefinitionProps } from '../workflow/pipeline-definition.ts';
import type { StateMachineDefinition } from '../workflow/asl.ts';
import { standardStateMachine, type StateMachineEnvironment } from './state-machine.ts';

export interface WorkflowProps extends StateMachineEnvironment {
  readonly crawlerPollSeconds: number;
  readonly crawlerMaxPolls: number;
  readonly athenaQueryTimeoutSeconds: number;
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

    const lakeArn = naming.bucketArn(names.lakeBucket);
    const glueResources = [
      naming.arn('glue', 'catalog'),
      ...LAYERS.map((l) => naming.arn('glue', `database/${naming.database(l)}`)),
      ...LAYERS.map((l) => naming.arn('glue', `table/${naming.database(l)}/*`)),
    ];
    this.stateMachine = standardStateMachine(this, props, {
      name: names.stateMachine,
      roleName: naming.name('pipeline-sfn'),
      definition: this.definition,
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
      ],
    }).stateMachine;
  }
}
