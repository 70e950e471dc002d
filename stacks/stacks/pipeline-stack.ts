import { DataAwsKmsKey } from '@cdktf/provider-aws/lib/data-aws-kms-key/index.js';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types.ts';
import { Ingestion } from '../constructs/ingestion.ts';
import { Alarms, AlertTopic } from '../constructs/monitoring.ts';
import { Transform } from '../constructs/transform.ts';
import { Workflow } from '../constructs/workflow.ts';
import { LakehouseStack } from '../lib/lakehouse-stack.ts';

/**
 * What moves data: ingestion (API, stream, Lambdas), the pipeline state machine, the dbt transform (CodeBuild and
 * its state machine), alerts, alarms and dashboard.
 */
export class PipelineStack extends LakehouseStack {
  readonly workflow: Workflow;
  readonly transform: Transform;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, part: 'pipeline' });
    const naming = this.naming;
    // The data stack owns the key; looking it up by alias keeps the stacks' states independent.
    const key = new DataAwsKmsKey(this, 'data-key', { keyId: naming.dataKeyAlias });
    const alerts = new AlertTopic(this, 'alerts', {
      naming,
      kmsKeyArn: key.arn,
      emails: config.monitoring.alertEmails,
    });
    const ingestion = new Ingestion(this, 'ingestion', {
      naming,
      config: config.ingestion,
      kmsKeyArn: key.arn,
      logRetentionDays: config.logRetentionDays,
      xrayTracing: config.features.xrayTracing,
    });
    // The pipeline runs this one after its crawls; the DAG transform_on_snapshot starts it on demand too.
    this.transform = new Transform(this, 'transform', {
      naming,
      config: config.transform,
      kmsKeyArn: key.arn,
      alertTopicArn: naming.arn('sns', naming.resources.alertTopic),
      logRetentionDays: config.logRetentionDays,
      xrayTracing: config.features.xrayTracing,
      dependsOn: [alerts.topic],
    });
    this.workflow = new Workflow(this, 'workflow', {
      naming,
      kmsKeyArn: key.arn,
      alertTopicArn: naming.arn('sns', naming.resources.alertTopic),
      logRetentionDays: config.logRetentionDays,
      xrayTracing: config.features.xrayTracing,
      ...config.workflow,
      transform: {
        stateMachineName: naming.resources.transformStateMachine,
        command: this.transform.defaultCommand,
        executionTimeoutSeconds: this.transform.executionTimeoutSeconds,
      },
      // The definition names the topic and the transform by ARN (plain strings); make the order explicit.
      dependsOn: [alerts.topic, this.transform.stateMachine],
    });
    new Alarms(this, 'alarms', {
      naming,
      topicArn: alerts.arn,
      stateMachines: [
        {
          key: 'pipeline',
          label: 'pipeline',
          arn: naming.arn('states', `stateMachine:${naming.resources.stateMachine}`),
        },
        // Its definition alerts on a failed build itself; an execution that times out as a whole only shows here.
        { key: 'transform', label: 'dbt transform', arn: this.transform.stateMachine.arn },
      ],
      functionNames: [ingestion.ingest.functionName, ingestion.processor.functionName],
      streamName: naming.resources.stream,
      dlqName: naming.name('processor-dlq'),
      iteratorAgeAlarmMs: config.monitoring.iteratorAgeAlarmMs,
      dlqDepthAlarm: config.monitoring.dlqDepthAlarm,
      region: config.region,
    });
    this.output('state_machine_arn', this.workflow.stateMachine.arn, 'Pipeline state machine (Airflow Variable)');
    this.output(
      'transform_state_machine_arn',
      this.transform.stateMachine.arn,
      'Transform (dbt build) state machine (Airflow Variable lakehouse_transform_state_machine_arn)',
    );
    this.output(
      'dbt_project',
      this.transform.project.name,
      'CodeBuild project running dbt (logs: /aws/codebuild/<name>)',
    );
    this.output('api_url', ingestion.stage.invokeUrl, 'Ingest API base URL (SigV4)');
    this.output('stream_name', ingestion.stream.name, 'Kinesis stream');
    this.output('dlq_url', ingestion.dlq.url, 'Processor dead-letter queue');
    this.output('alert_topic_arn', alerts.arn, 'SNS alert topic');
  }
}
