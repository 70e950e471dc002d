import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { Construct } from 'constructs';
import type { Naming } from '../lib/naming.ts';

export interface AlertTopicProps {
  readonly naming: Naming;
  readonly kmsKeyArn: string;
  readonly emails: readonly string[];
}

/** The SNS topic every alarm and the state machine's failure path publish to; e-mail subscribers from config. */
export class AlertTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, 'topic', {
      name: props.naming.resources.alertTopic,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    props.emails.forEach(
      (email, i) =>
        new SnsTopicSubscription(this, `email-${i}`, { topicArn: this.topic.arn, protocol: 'email', endpoint: email }),
    );
  }

  get arn(): string {
    return this.topic.arn;
  }
}

export interface AlarmsProps {
  readonly naming: Naming;
  readonly topicArn: string;
  /** State machines whose failed and timed-out executions need a person; `key` prefixes their alarm names. */
  readonly stateMachines: readonly MonitoredStateMachine[];
  readonly functionNames: readonly string[];
  readonly streamName: string;
  readonly dlqName: string;
  readonly iteratorAgeAlarmMs: number;
  readonly dlqDepthAlarm: number;
  readonly region: string;
}

/** Alarms for what needs a person (failed runs, erroring or throttled Lambdas, a lagging stream, dead letters). */
export class Alarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { naming } = props;
    const alarm = (key: string, description: string, metric: MetricSpec, threshold: number): void => {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, key, {
          alarmName: naming.name(key),
          alarmDescription: description,
          namespace: metric.namespace,
          metricName: metric.name,
          dimensions: metric.dimensions,
          statistic: metric.statistic,
          period: 300,
          evaluationPeriods: 1,
          threshold,
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          treatMissingData: 'notBreaching',
          alarmActions: [props.topicArn],
          okActions: [props.topicArn],
        }),
      );
    };
    for (const machine of props.stateMachines) {
      const dimensions = { StateMachineArn: machine.arn };
      alarm(
        `${machine.key}-failed`,
        `A ${machine.label} execution failed, timed out or was aborted`,
        { namespace: 'AWS/States', name: 'ExecutionsFailed', dimensions, statistic: 'Sum' },
        1,
      );
      alarm(
        `${machine.key}-timed-out`,
        `A ${machine.label} execution timed out`,
        { namespace: 'AWS/States', name: 'ExecutionsTimedOut', dimensions, statistic: 'Sum' },
        1,
      );
    }
    for (const fn of props.functionNames) {
      const short = fn.slice(naming.prefix.length + 1);
      alarm(
        `${short}-errors`,
        `${fn} returned errors`,
        { namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: fn }, statistic: 'Sum' },
        1,
      );
      alarm(
        `${short}-throttles`,
        `${fn} was throttled`,
        { namespace: 'AWS/Lambda', name: 'Throttles', dimensions: { FunctionName: fn }, statistic: 'Sum' },
        1,
      );
    }
    alarm(
      'stream-iterator-age',
      'The processor is falling behind the stream',
      {
        namespace: 'AWS/Kinesis',
        name: 'GetRecords.IteratorAgeMilliseconds',
        dimensions: { StreamName: props.streamName },
        statistic: 'Maximum',
      },
      props.iteratorAgeAlarmMs,
    );
    alarm(
      'dlq-depth',
      'Batches the processor gave up on are waiting in the DLQ (see docs/runbook.md, DLQ replay)',
      {
        namespace: 'AWS/SQS',
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: props.dlqName },
        statistic: 'Maximum',
      },
      props.dlqDepthAlarm,
    );

    const widget = (title: string, metrics: (string | Record<string, string>)[][], x: number, y: number) => ({
      type: 'metric',
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region: props.region, stat: 'Sum', period: 300, metrics },
    });
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: naming.name('overview'),
      dashboardBody: JSON.stringify({
        widgets: [
          widget(
            'State machine executions',
            props.stateMachines.flatMap((machine) => [
              ['AWS/States', 'ExecutionsSucceeded', 'StateMachineArn', machine.arn, { label: `${machine.key} ok` }],
              ['AWS/States', 'ExecutionsFailed', 'StateMachineArn', machine.arn, { label: `${machine.key} failed` }],
            ]),
            0,
            0,
          ),
          widget(
            'Lambda errors and throttles',
            props.functionNames.flatMap((fn) => [
              ['AWS/Lambda', 'Errors', 'FunctionName', fn],
              ['AWS/Lambda', 'Throttles', 'FunctionName', fn],
            ]),
            12,
            0,
          ),
          widget(
            'Stream',
            [
              ['AWS/Kinesis', 'IncomingRecords', 'StreamName', props.streamName],
              [
                'AWS/Kinesis',
                'GetRecords.IteratorAgeMilliseconds',
                'StreamName',
                props.streamName,
                { stat: 'Maximum' },
              ],
            ],
            0,
            6,
          ),
          widget(
            'Dead letters',
            [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', props.dlqName]],
            12,
            6,
          ),
        ],
      }),
    });
  }
}

export interface MonitoredStateMachine {
  /** Short name for alarm names and dashboard labels, e.g. `pipeline`. */
  readonly key: string;
  /** What an execution is, for alarm descriptions, e.g. `pipeline`, `dbt transform`. */
  readonly label: string;
  readonly arn: string;
}

interface MetricSpec {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: 'Sum' | 'Maximum';
}
