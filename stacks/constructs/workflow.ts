import type { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine/index.js';
import { Construct } from 'constructs';
import { CRAWLED_LAYERS, type CrawledLayer } from '../lib/naming.ts';
import { pipelineDefinition, type PipelineDefinitionProps } from '../workflow/pipeline-definition.ts';
import type { StateMachineDefinition } from '../workflow/asl.ts';
import { standardStateMachine, type StateMachineEnvironment } from './state-machine.ts';

export interface WorkflowProps extends StateMachineEnvironment {
  readonly crawlerPollSeconds: number;
  readonly crawlerMaxPolls: number;
  /** The transform (dbt build) the pipeline runs after the crawls, as the transform construct set it up. */
  readonly transform: {
    readonly stateMachineName: string;
    readonly command: readonly string[];
    readonly executionTimeoutSeconds: number;
  };
}

/** Step Functions' managed rule through which a `.sync` task on a child execution learns that it ended. */
export const SYNC_EXECUTION_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/** The Standard state machine that runs one pipeline pass, with its role, logs and tracing. */
export class Workflow extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly definition: StateMachineDefinition;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const { naming, transform } = props;
    const names = naming.resources;
    const crawlers = Object.fromEntries(CRAWLED_LAYERS.map((l) => [l, naming.crawler(l)])) as Record<
      CrawledLayer,
      string
    >;
    const transformArn = naming.arn('states', `stateMachine:${transform.stateMachineName}`);
    const definitionProps: PipelineDefinitionProps = {
      runsTable: names.runsTable,
      alertTopicArn: props.alertTopicArn,
      crawlers,
      transformStateMachineArn: transformArn,
      transformCommand: transform.command,
      // The child bounds itself; the margin lets its own timeout (caught and alerted there) arrive first.
      transformTimeoutSeconds: transform.executionTimeoutSeconds + 300,
      crawlerPollSeconds: props.crawlerPollSeconds,
      crawlerMaxPolls: props.crawlerMaxPolls,
    };
    this.definition = pipelineDefinition(definitionProps);

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
        { sid: 'StartTransform', actions: ['states:StartExecution'], resources: [transformArn] },
        {
          // What startExecution.sync does with the child: follow it, and stop it when this execution stops.
          sid: 'FollowTransform',
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [naming.arn('states', `execution:${transform.stateMachineName}:*`)],
        },
        {
          // The rule is managed by Step Functions in the account; its name is fixed by the service.
          sid: 'SyncRule',
          actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
          resources: [naming.arn('events', `rule/${SYNC_EXECUTION_RULE}`)],
        },
      ],
    }).stateMachine;
  }
}
