import type { CrawledLayer } from '../lib/naming.ts';
import type { Catcher, Retrier, State, StateMachineDefinition, TaskState } from './asl.ts';

export interface PipelineDefinitionProps {
  readonly runsTable: string;
  readonly alertTopicArn: string;
  readonly crawlers: Readonly<Record<CrawledLayer, string>>;
  /** The transform (dbt build) state machine the pipeline runs as a child execution and waits for. */
  readonly transformStateMachineArn: string;
  /** dbt's argv for the scheduled build, e.g. `["dbt", "build", "--target", "dev"]`. */
  readonly transformCommand: readonly string[];
  /** Upper bound on the child execution; at least the transform state machine's own timeout. */
  readonly transformTimeoutSeconds: number;
  readonly crawlerPollSeconds: number;
  readonly crawlerMaxPolls: number;
}

// Attribute names are the metadata store's (src/metadata/types.ts), so `lakehouse` tools read these records too.
// Execution input, as the Airflow DAG (dags/lakehouse_pipeline.py) sends it; the DAG also names the execution
// after the run id, so StartExecution is idempotent per DAG run and the record carries that name.
export interface PipelineInput {
  readonly dag_id: string;
  readonly run_id: string;
  readonly data_interval_start: string;
  readonly data_interval_end: string;
}

export const STATES = {
  recordStart: 'RecordRunStarted',
  crawlRaw: 'CrawlRawLayers',
  transform: 'RunDbtTransform',
  recordSuccess: 'RecordRunSucceeded',
  recordFailure: 'RecordRunFailed',
  notify: 'NotifyFailure',
  failed: 'PipelineFailed',
  succeeded: 'PipelineSucceeded',
} as const;

/** Backoff with full jitter and a cap, for throttling and transient service errors. */
export function backoff(
  errors: readonly string[],
  maxAttempts = 4,
  intervalSeconds = 2,
  maxDelaySeconds = 60,
): Retrier {
  return {
    ErrorEquals: errors,
    IntervalSeconds: intervalSeconds,
    MaxAttempts: maxAttempts,
    BackoffRate: 2,
    MaxDelaySeconds: maxDelaySeconds,
    JitterStrategy: 'FULL',
  };
}

function retry(errors: readonly string[], maxAttempts = 4): Retrier[] {
  return [
    backoff(errors, maxAttempts),
    // Anything else a task raises gets one more try, then goes to the Catch.
    {
      ErrorEquals: ['States.TaskFailed'],
      IntervalSeconds: 5,
      MaxAttempts: 1,
      BackoffRate: 2,
      MaxDelaySeconds: 30,
      JitterStrategy: 'FULL',
    },
  ];
}

const DYNAMO_ERRORS = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.ThrottlingException',
  'DynamoDB.InternalServerErrorException',
];
const GLUE_ERRORS = ['Glue.ThrottlingException', 'Glue.OperationTimeoutException', 'Glue.InternalServiceException'];
// Only a refused start is worth retrying: a child execution that failed has already alerted, and dbt's failure is
// final (as in the transform state machine itself).
const SFN_START_ERRORS = ['StepFunctions.ThrottlingException', 'StepFunctions.ExecutionLimitExceededException'];
export const SNS_ERRORS = ['SNS.ThrottledException', 'SNS.InternalErrorException'];

const toFailure = (next: string): Catcher[] => [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: next }];

/** The states of one crawler run inside a Parallel branch: start, then a bounded Wait/GetCrawler/Choice loop. */
export function crawlerBranch(
  layer: CrawledLayer,
  crawler: string,
  props: PipelineDefinitionProps,
): StateMachineDefinition {
  const L = layer.charAt(0).toUpperCase() + layer.slice(1);
  const n = {
    init: `Init${L}Polls`,
    start: `Start${L}Crawler`,
    wait: `Wait${L}Crawler`,
    get: `Get${L}Crawler`,
    count: `Count${L}Poll`,
    ready: `Is${L}CrawlerReady`,
    finished: `Has${L}CrawlFinished`,
    result: `Did${L}CrawlSucceed`,
    done: `${L}CrawlDone`,
    failed: `${L}CrawlFailed`,
    neverFinished: `${L}CrawlNeverFinished`,
    timeout: `${L}CrawlTimedOut`,
  };
  const list: [string, State][] = [
    [n.init, { Type: 'Pass', Result: { count: 0 }, ResultPath: '$.poll', Next: n.start }],
    [
      n.start,
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:glue:startCrawler',
        Parameters: { Name: crawler },
        ResultPath: null,
        Retry: retry(GLUE_ERRORS),
        Catch: [
          // Already running (the schedule got there first): wait for that crawl instead of failing.
          { ErrorEquals: ['Glue.CrawlerRunningException'], ResultPath: null, Next: n.wait },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: n.failed },
        ],
        Next: n.wait,
      },
    ],
    [n.wait, { Type: 'Wait', Seconds: props.crawlerPollSeconds, Next: n.get }],
    [
      n.get,
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:glue:getCrawler',
        Parameters: { Name: crawler },
        // Only paths GetCrawler always returns: a crawler that has never finished a crawl (a fresh environment)
        // has no LastCrawl, and selecting a missing path is a States.Runtime error no Catch can handle.
        ResultSelector: { 'Crawler.$': '$.Crawler' },
        ResultPath: '$.crawler',
        Retry: retry(GLUE_ERRORS),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: n.failed }],
        Next: n.count,
      },
    ],
    [
      n.count,
      {
        Type: 'Pass',
        Parameters: { 'count.$': 'States.MathAdd($.poll.count, 1)' },
        ResultPath: '$.poll',
        Next: n.ready,
      },
    ],
    [
      n.ready,
      {
        Type: 'Choice',
        Choices: [
          { Variable: '$.crawler.Crawler.State', StringEquals: 'READY', Next: n.finished },
          { Variable: '$.poll.count', NumericGreaterThanEquals: props.crawlerMaxPolls, Next: n.timeout },
        ],
        Default: n.wait,
      },
    ],
    [
      n.finished,
      {
        Type: 'Choice',
        // A crawler that has never finished a crawl (a fresh environment) reports no LastCrawl; comparing a missing
        // field is a States.Runtime error, so presence is checked on its own, before any comparison.
        Choices: [{ Variable: '$.crawler.Crawler.LastCrawl.Status', IsPresent: true, Next: n.result }],
        Default: n.neverFinished,
      },
    ],
    [
      n.result,
      {
        Type: 'Choice',
        Choices: [{ Variable: '$.crawler.Crawler.LastCrawl.Status', StringEquals: 'SUCCEEDED', Next: n.done }],
        // FAILED or CANCELLED.
        Default: n.failed,
      },
    ],
    [n.done, { Type: 'Pass', Result: { layer, crawler, status: 'SUCCEEDED' }, End: true }],
    [n.failed, { Type: 'Fail', Error: 'CrawlerFailed', Cause: `crawler ${crawler} did not succeed` }],
    [
      n.neverFinished,
      {
        Type: 'Fail',
        Error: 'CrawlerFailed',
        Cause: `crawler ${crawler} is READY but reports no finished crawl (LastCrawl missing)`,
      },
    ],
    [
      n.timeout,
      {
        Type: 'Fail',
        Error: 'CrawlerTimeout',
        Cause: `crawler ${crawler} not READY after ${props.crawlerMaxPolls} polls`,
      },
    ],
  ];
  const states: Record<string, State> = Object.fromEntries(list);
  return { StartAt: n.init, States: states };
}

export function pipelineDefinition(props: PipelineDefinitionProps): StateMachineDefinition {
  const S = STATES;
  const key = { pipeline_name: { 'S.$': '$.dag_id' }, execution_date: { 'S.$': '$.data_interval_start' } };
  const recordStart: TaskState = {
    Type: 'Task',
    Comment: 'One run record per DAG run; the execution name ties it to Airflow.',
    Resource: 'arn:aws:states:::dynamodb:putItem',
    Parameters: {
      TableName: props.runsTable,
      Item: {
        ...key,
        status: { S: 'running' },
        started_at: { 'S.$': '$$.Execution.StartTime' },
        run_id: { 'S.$': '$.run_id' },
        execution_name: { 'S.$': '$$.Execution.Name' },
        data_interval_end: { 'S.$': '$.data_interval_end' },
      },
    },
    ResultPath: null,
    Retry: retry(DYNAMO_ERRORS),
    Catch: toFailure(S.recordFailure),
    Next: S.crawlRaw,
  };
  return {
    Comment:
      'Lakehouse pipeline: record start, crawl the Iceberg table folders, dbt build (transform state machine), record end.',
    StartAt: S.recordStart,
    TimeoutSeconds: 6 * 3600,
    States: {
      [S.recordStart]: recordStart,
      [S.crawlRaw]: {
        Type: 'Parallel',
        Branches: [
          crawlerBranch('raw', props.crawlers.raw, props),
          crawlerBranch('processed', props.crawlers.processed, props),
        ],
        ResultPath: null,
        Catch: toFailure(S.recordFailure),
        Next: S.transform,
      },
      [S.transform]: {
        Type: 'Task',
        Comment:
          'The dbt project (dbt_project/) as the transform state machine runs it: CodeBuild, dbt build against Athena. ' +
          'The child execution carries this execution’s name, so the two are found together.',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: {
          StateMachineArn: props.transformStateMachineArn,
          'Name.$': '$$.Execution.Name',
          Input: {
            command: [...props.transformCommand],
            'run_id.$': '$.run_id',
            snapshots: '[]',
            // Links the child to this execution in the console and in its history.
            'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
          },
        },
        ResultSelector: { 'ExecutionArn.$': '$.ExecutionArn', 'Status.$': '$.Status' },
        ResultPath: '$.transform',
        TimeoutSeconds: props.transformTimeoutSeconds,
        Retry: [backoff(SFN_START_ERRORS)],
        Catch: toFailure(S.recordFailure),
        Next: S.recordSuccess,
      },
      [S.recordSuccess]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: props.runsTable,
          Key: key,
          UpdateExpression: 'SET #s = :s, ended_at = :f, transform_execution_arn = :t',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':s': { S: 'succeeded' },
            ':f': { 'S.$': '$$.State.EnteredTime' },
            ':t': { 'S.$': '$.transform.ExecutionArn' },
          },
        },
        ResultPath: null,
        Retry: retry(DYNAMO_ERRORS),
        Catch: toFailure(S.recordFailure),
        Next: S.succeeded,
      },
      [S.recordFailure]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: props.runsTable,
          Key: key,
          UpdateExpression: 'SET #s = :s, ended_at = :f, #e = :e',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: {
            ':s': { S: 'failed' },
            ':f': { 'S.$': '$$.State.EnteredTime' },
            ':e': { 'S.$': "States.Format('{}: {}', $.error.Error, $.error.Cause)" },
          },
        },
        ResultPath: null,
        Retry: retry(DYNAMO_ERRORS),
        // Even when the record cannot be written, people must hear about the failure.
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: S.notify }],
        Next: S.notify,
      },
      [S.notify]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: {
          TopicArn: props.alertTopicArn,
          Subject: 'Lakehouse pipeline run failed',
          'Message.$':
            "States.Format('Run {} of {} failed in execution {}: {} — {}', $.run_id, $.dag_id, $$.Execution.Name, $.error.Error, $.error.Cause)",
        },
        ResultPath: null,
        Retry: retry(SNS_ERRORS),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: S.failed }],
        Next: S.failed,
      },
      [S.failed]: { Type: 'Fail', Error: 'PipelineFailed', Cause: 'see the run record and the execution history' },
      [S.succeeded]: { Type: 'Succeed' },
    },
  };
}

/** The Task states of a definition, at any depth (branches included). */
export function taskStates(definition: StateMachineDefinition): [string, TaskState][] {
  const out: [string, TaskState][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') out.push([name, state]);
    if (state.Type === 'Parallel') for (const branch of state.Branches) out.push(...taskStates(branch));
  }
  return out;
}
