import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import { kmsUse, stateMachineLogDelivery, stateMachineTracing } from '../lib/grants.ts';
import { ServiceRole, type PolicyStatement } from '../lib/iam.ts';
import type { Naming } from '../lib/naming.ts';
import type { StateMachineDefinition } from '../workflow/asl.ts';

/** What every state machine of an environment shares; the props of the constructs that make one extend it. */
export interface StateMachineEnvironment {
  readonly naming: Naming;
  readonly kmsKeyArn: string;
  readonly alertTopicArn: string;
  readonly logRetentionDays: number;
  readonly xrayTracing: boolean;
  /** Resources the definition names by ARN (plain strings carry no dependency), e.g. the alert topic. */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export interface StandardStateMachineProps {
  /** The state machine's name; its log group is `/aws/vendedlogs/states/<name>`. */
  readonly name: string;
  readonly roleName: string;
  readonly definition: StateMachineDefinition;
  /** What the definition's tasks call; the data key, alert topic, log delivery and X-Ray statements are added. */
  readonly statements: readonly PolicyStatement[];
}

export interface StandardStateMachine {
  readonly stateMachine: SfnStateMachine;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
}

/**
 * A Standard state machine as every one here is set up: logged (errors, with execution data) to its own log
 * group under the data key, traced with X-Ray when enabled, its history encrypted with the data key, and a role
 * with the definition's statements plus what that setup needs. The resources are created in `scope` (ids `logs`,
 * `role`, `state-machine`), so the constructs that call this keep their Terraform addresses.
 */
export function standardStateMachine(
  scope: Construct,
  environment: StateMachineEnvironment,
  props: StandardStateMachineProps,
): StandardStateMachine {
  // Step Functions requires the `/aws/vendedlogs/` prefix to keep the log resource policy small.
  const logGroup = new CloudwatchLogGroup(scope, 'logs', {
    name: `/aws/vendedlogs/states/${props.name}`,
    retentionInDays: environment.logRetentionDays,
    kmsKeyId: environment.kmsKeyArn,
  });
  const role = new ServiceRole(scope, 'role', {
    name: props.roleName,
    service: 'states.amazonaws.com',
    sourceAccount: environment.naming.account,
    statements: [
      ...props.statements,
      // The topic and the execution history are encrypted with the data key.
      kmsUse('DataKey', environment.kmsKeyArn),
      { sid: 'Alerts', actions: ['sns:Publish'], resources: [environment.alertTopicArn] },
      stateMachineLogDelivery(),
      stateMachineTracing(),
    ],
  });
  const stateMachine = new SfnStateMachine(scope, 'state-machine', {
    name: props.name,
    type: 'STANDARD',
    roleArn: role.arn,
    definition: JSON.stringify(props.definition),
    loggingConfiguration: { logDestination: `${logGroup.arn}:*`, includeExecutionData: true, level: 'ERROR' },
    tracingConfiguration: { enabled: environment.xrayTracing },
    encryptionConfiguration: {
      type: 'CUSTOMER_MANAGED_KMS_KEY',
      kmsKeyId: environment.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
    },
    // The policy must exist before Step Functions checks the role can deliver logs.
    dependsOn: [role.policy, ...(environment.dependsOn ?? [])],
  });
  return { stateMachine, role, logGroup };
}
