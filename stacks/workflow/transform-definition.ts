import type { StateMachineDefinition } from './asl.ts';
import { backoff, SNS_ERRORS } from './pipeline-definition.ts';

export interface TransformDefinitionProps {
  /** The CodeBuild project that runs dbt. */
  readonly projectName: string;
  readonly alertTopicArn: string;
  /** Where the build's output goes; named in the alert so on-call finds the dbt log in one step. */
  readonly buildLogGroup: string;
  /** The command a start without one runs, e.g. `["dbt", "build", "--target", "dev"]`. */
  readonly defaultCommand: readonly string[];
  /** Upper bound on the build task (queueing + build + margin); a timeout is caught and alerted like a failure. */
  readonly buildTaskTimeoutSeconds: number;
}

// Execution input, as dags/transform_on_snapshot.py sends it. Every key is optional, so an operator can re-run a
// build with `--input '{}'`; the defaults below fill in what is missing.
export interface TransformInput {
  /** dbt's argv, e.g. `["dbt", "build", "--target", "prod"]`. */
  readonly command?: readonly string[];
  readonly run_id?: string;
  /** JSON list of the asset events' extras (table, snapshot id) that triggered the run; logged by the build. */
  readonly snapshots?: string;
}

export const TRANSFORM_STATES = {
  defaults: 'SetInputDefaults',
  merge: 'MergeInput',
  build: 'RunDbtBuild',
  notify: 'NotifyFailure',
  failed: 'TransformFailed',
  succeeded: 'TransformSucceeded',
} as const;

/** Environment variables the build receives per execution (the buildspec reads them). */
export const BUILD_VARIABLES = {
  command: 'DBT_COMMAND',
  runId: 'LAKEHOUSE_RUN_ID',
  snapshots: 'LAKEHOUSE_SNAPSHOTS',
  execution: 'LAKEHOUSE_EXECUTION_NAME',
} as const;

// Errors of StartBuild worth waiting out: API throttling, and the project's concurrent-build limit (one dbt build
// at a time; a second start is refused until the first ends). A failed build (States.TaskFailed) is not retried:
// dbt's failure is final, and the DAG's sensor does not retry either.
const THROTTLED = ['CodeBuild.ThrottlingException'];
const BUSY = ['CodeBuild.AccountLimitExceededException'];

export function transformDefinition(props: TransformDefinitionProps): StateMachineDefinition {
  const S = TRANSFORM_STATES;
  const V = BUILD_VARIABLES;
  const defaults: Required<TransformInput> = { command: props.defaultCommand, run_id: 'manual', snapshots: '[]' };
  return {
    Comment: 'Lakehouse transform: dbt build in CodeBuild (dbt_project/ from the artifacts bucket), alert on failure.',
    StartAt: S.defaults,
    // The task's own timeout is caught (and alerted); this bound only stops an execution stuck in the alert.
    TimeoutSeconds: props.buildTaskTimeoutSeconds + 600,
    States: {
      [S.defaults]: {
        Type: 'Pass',
        Parameters: { 'input.$': '$', defaults: { ...defaults, command: [...defaults.command] } },
        Next: S.merge,
      },
      [S.merge]: {
        Type: 'Pass',
        Comment: 'Keys of the input win over the defaults.',
        Parameters: { 'args.$': 'States.JsonMerge($.defaults, $.input, false)' },
        Next: S.build,
      },
      [S.build]: {
        Type: 'Task',
        Comment: 'Starts the build and waits for it; stopping the execution stops the build.',
        Resource: 'arn:aws:states:::codebuild:startBuild.sync',
        Parameters: {
          ProjectName: props.projectName,
          EnvironmentVariablesOverride: [
            // The argv as a JSON list: the buildspec runs it without a shell, so no argument is ever re-split.
            { Name: V.command, Type: 'PLAINTEXT', 'Value.$': 'States.JsonToString($.args.command)' },
            { Name: V.runId, Type: 'PLAINTEXT', 'Value.$': '$.args.run_id' },
            { Name: V.snapshots, Type: 'PLAINTEXT', 'Value.$': '$.args.snapshots' },
            { Name: V.execution, Type: 'PLAINTEXT', 'Value.$': '$$.Execution.Name' },
          ],
        },
        ResultSelector: { 'BuildId.$': '$.Build.Id', 'BuildStatus.$': '$.Build.BuildStatus' },
        ResultPath: '$.build',
        TimeoutSeconds: props.buildTaskTimeoutSeconds,
        Retry: [backoff(THROTTLED), backoff(BUSY, 6, 30, 300)],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.notify }],
        Next: S.succeeded,
      },
      [S.notify]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: {
          TopicArn: props.alertTopicArn,
          Subject: 'Lakehouse dbt build failed',
          'Message.$': `States.Format('dbt build of run {} failed in execution {} (build logs: CloudWatch log group ${props.buildLogGroup}): {} — {}', $.args.run_id, $$.Execution.Name, $.error.Error, $.error.Cause)`,
        },
        ResultPath: null,
        Retry: [backoff(SNS_ERRORS)],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: S.failed }],
        Next: S.failed,
      },
      [S.failed]: {
        Type: 'Fail',
        Error: 'TransformFailed',
        Cause: 'see the alert, the execution history and the CodeBuild build log',
      },
      [S.succeeded]: { Type: 'Succeed' },
    },
  };
}
