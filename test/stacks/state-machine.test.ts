// The synthesized pipeline definition, validated by asl-validator and executed by aws-local-stepfunctions. Task
// resources run as local functions that make the same service calls against moto's server (DynamoDB, Glue, SNS),
// so the run record asserted at the end is the one a real execution would leave; the dbt transform step runs the
// synthesized transform state machine itself, with CodeBuild played locally. A second set of runs plays every
// service locally, to drive the crawler answers moto cannot give (a crawler that never finished, FAILED,
// CANCELLED) and the transform's outcomes, and asserts what the run record and alert tasks were asked to write.
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { PutItemCommandInput, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import {
  CreateCrawlerCommand,
  DeleteCrawlerCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../stacks/config/load.ts';
import { CRAWLED_LAYERS, Naming, type CrawledLayer } from '../../stacks/lib/naming.ts';
import type { StateMachineDefinition } from '../../stacks/workflow/asl.ts';
import { STATES } from '../../stacks/workflow/pipeline-definition.ts';
import { TRANSFORM_STATES } from '../../stacks/workflow/transform-definition.ts';
import { DynamoMetadataStore, runsTableDefinition } from '../../src/metadata/dynamodb.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';
import { runLocally, serviceError, type TaskHandler } from './helpers/local-execution.ts';
import { ofType, synthAll } from './helpers/synth.ts';

const config = loadConfig('dev', { env: {}, localDir: '/nonexistent' });
const naming = new Naming(config);
const names = naming.resources;
const pipeline = synthAll().stacks.find((s) => s.name === 'lakehouse-dev-pipeline');
function synthesizedDefinition(name: string): StateMachineDefinition {
  const [[, machine] = ['', {}]] = ofType(pipeline?.json ?? {}, 'aws_sfn_state_machine').filter(
    ([, body]) => body.name === name,
  );
  return JSON.parse(machine.definition as string) as StateMachineDefinition;
}
const definition = synthesizedDefinition(names.stateMachine);
const transformDefinition = synthesizedDefinition(names.transformStateMachine);
const cap = (layer: string) => layer.charAt(0).toUpperCase() + layer.slice(1);

// moto plays the environment's account and region, so the ARNs in the definition resolve as in AWS.
process.env.MOTO_ACCOUNT_ID = config.account;
let moto: Moto;
let dynamo: DynamoDBClient;
let glue: GlueClient;
let sns: SNSClient;
beforeAll(async () => {
  moto = await startMoto();
  const aws = () => ({ ...moto.clientConfig, region: config.region });
  dynamo = new DynamoDBClient(aws());
  glue = new GlueClient(aws());
  sns = new SNSClient(aws());
  await dynamo.send(new CreateTableCommand(runsTableDefinition(names.runsTable)));
  await sns.send(new CreateTopicCommand({ Name: names.alertTopic }));
});
afterAll(async () => {
  dynamo?.destroy();
  glue?.destroy();
  sns?.destroy();
  await moto?.stop();
});

/** Step Functions names service errors `<Service>.<Exception>`; the handlers do the same so Retry/Catch match. */
async function service<T>(prefix: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as Error;
    throw serviceError(`${prefix}.${e.name}`, e.message);
  }
}

async function crawlsTake(seconds: number): Promise<void> {
  // moto's crawl stays RUNNING for this long after StartCrawler, then completes (crawler State back to READY).
  const res = await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'glue::crawl', transition: { progression: 'time', seconds } }),
  });
  expect(res.status).toBe(201);
}

async function createCrawlers(): Promise<void> {
  for (const layer of CRAWLED_LAYERS)
    await glue
      .send(
        new CreateCrawlerCommand({
          Name: naming.crawler(layer),
          Role: naming.arn('iam', `role/${naming.name('crawler')}`, { region: false }),
          DatabaseName: naming.database(layer),
          Targets: { IcebergTargets: [{ Paths: [`s3://${names.lakeBucket}/${naming.icebergPrefix(layer)}`] }] },
        }),
      )
      .catch((e: Error) => {
        if (e.name !== 'AlreadyExistsException') throw e;
      });
}

interface StartExecutionSync {
  readonly StateMachineArn: string;
  readonly Name: string;
  readonly Input: Record<string, unknown>;
}

/** What one codebuild:startBuild.sync of the transform answers: the finished build, or it throws. */
type Build = (request: { EnvironmentVariablesOverride: { Name: string; Value: string }[] }) => unknown;
const buildSucceeds: Build = () => ({ Build: { Id: 'lakehouse-dev-dbt:1', BuildStatus: 'SUCCEEDED' } });
const buildFails: Build = () => {
  throw serviceError('States.TaskFailed', '{"Build":{"Id":"lakehouse-dev-dbt:1","BuildStatus":"FAILED"}}');
};

/**
 * states:startExecution.sync:2 on the transform state machine: runs the synthesized transform definition with
 * CodeBuild and its alert played locally, and answers as Step Functions does (DescribeExecution's output, the
 * child's output parsed; a failed child is a States.TaskFailed).
 */
function transformStep(build: Build, record: { starts: StartExecutionSync[]; builds: unknown[] }): TaskHandler {
  return async (request: StartExecutionSync) => {
    record.starts.push(request);
    const child = await runLocally(transformDefinition, request.Input, {
      name: request.Name,
      handlers: {
        [TRANSFORM_STATES.build]: async (p: Parameters<Build>[0]) => {
          record.builds.push(p);
          return build(p);
        },
        [TRANSFORM_STATES.notify]: async () => ({ MessageId: 'transform-alert' }),
      },
    });
    const executionArn = `${request.StateMachineArn.replace(':stateMachine:', ':execution:')}:${request.Name}`;
    if (child.status === 'FAILED')
      throw serviceError('States.TaskFailed', JSON.stringify({ ExecutionArn: executionArn, Status: 'FAILED' }));
    return { ExecutionArn: executionArn, Status: 'SUCCEEDED', Output: child.output };
  };
}

interface Execution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly alerts: string[];
  readonly polls: number;
  readonly transform: { starts: StartExecutionSync[]; builds: unknown[] };
}

/** One execution against moto: DynamoDB, Glue and SNS for real, the transform run locally (see transformStep). */
async function execute(input: Record<string, string>, name: string, waitMs = 100): Promise<Execution> {
  const alerts: string[] = [];
  let polls = 0;
  const transform = { starts: [] as StartExecutionSync[], builds: [] as unknown[] };
  const handlers: Record<string, TaskHandler> = {
    [STATES.recordStart]: (p: PutItemCommandInput) =>
      service('DynamoDB', () => dynamo.send(new PutItemCommand(p)).then(() => ({}))),
    [STATES.recordSuccess]: (p: UpdateItemCommandInput) =>
      service('DynamoDB', () => dynamo.send(new UpdateItemCommand(p)).then(() => ({}))),
    [STATES.recordFailure]: (p: UpdateItemCommandInput) =>
      service('DynamoDB', () => dynamo.send(new UpdateItemCommand(p)).then(() => ({}))),
    [STATES.notify]: (p: { TopicArn: string; Subject: string; Message: string }) =>
      service('SNS', async () => {
        const out = await sns.send(new PublishCommand(p));
        alerts.push(p.Message);
        return { MessageId: out.MessageId };
      }),
    [STATES.transform]: transformStep(buildSucceeds, transform),
  };
  for (const layer of CRAWLED_LAYERS) {
    handlers[`Start${cap(layer)}Crawler`] = (p: { Name: string }) =>
      service('Glue', () => glue.send(new StartCrawlerCommand(p)).then(() => ({})));
    handlers[`Get${cap(layer)}Crawler`] = (p: { Name: string }) =>
      service('Glue', async () => {
        polls++;
        const out = await glue.send(new GetCrawlerCommand(p));
        const last = out.Crawler?.LastCrawl;
        // moto reports a finished crawl as COMPLETED; Glue's LastCrawl.Status says SUCCEEDED.
        const status = last?.Status === ('COMPLETED' as string) ? 'SUCCEEDED' : last?.Status;
        return { Crawler: { ...out.Crawler, ...(last ? { LastCrawl: { ...last, Status: status } } : {}) } };
      });
  }
  const waits = Object.fromEntries(CRAWLED_LAYERS.map((l) => [`Wait${cap(l)}Crawler`, waitMs]));
  const run = await runLocally(definition, input, { handlers, name, waits });
  return { ...run, alerts, polls, transform };
}

const store = () => new DynamoMetadataStore({ client: dynamo, runsTable: names.runsTable, jobsTable: names.jobsTable });

describe('pipeline state machine', () => {
  it('is valid ASL (asl-validator)', () => {
    const { isValid, errors } = aslValidator(definition);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('success path: crawls, runs the dbt build through the transform state machine, records the run as succeeded', async () => {
    await createCrawlers();
    await crawlsTake(0.3);
    const input = {
      dag_id: 'lakehouse_pipeline',
      run_id: 'scheduled__2026-01-01',
      data_interval_start: '2026-01-01T00:00:00.000Z',
      data_interval_end: '2026-01-02T00:00:00.000Z',
    };
    const result = await execute(input, 'lakehouse_pipeline-scheduled-2026-01-01');
    expect(result).toMatchObject({ status: 'SUCCEEDED', alerts: [] });
    expect(result.polls).toBeGreaterThanOrEqual(CRAWLED_LAYERS.length * 2); // the Wait/Get/Choice loop went round
    // One child execution of the transform state machine, named after this one, building the environment's target.
    expect(result.transform.starts).toEqual([
      {
        StateMachineArn: naming.arn('states', `stateMachine:${names.transformStateMachine}`),
        Name: 'lakehouse_pipeline-scheduled-2026-01-01',
        Input: expect.objectContaining({ command: ['dbt', 'build', '--target', 'dev'], run_id: input.run_id }),
      },
    ]);
    expect(result.transform.builds).toEqual([
      expect.objectContaining({
        ProjectName: names.dbtProject,
        EnvironmentVariablesOverride: expect.arrayContaining([
          { Name: 'DBT_COMMAND', Type: 'PLAINTEXT', Value: '["dbt","build","--target","dev"]' },
          { Name: 'LAKEHOUSE_RUN_ID', Type: 'PLAINTEXT', Value: input.run_id },
        ]),
      }),
    ]);
    const run = await store().getRun('lakehouse_pipeline', '2026-01-01T00:00:00.000Z');
    expect(run).toMatchObject({
      pipelineName: 'lakehouse_pipeline',
      runId: 'scheduled__2026-01-01',
      status: 'succeeded',
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/), // $$.Execution.StartTime
      endedAt: '2026-01-02T03:10:00.000Z',
    });
    expect(run?.error).toBeUndefined();
  });

  it('failure path: a missing crawler is caught, recorded as failed, alerted, and the execution fails', async () => {
    await glue.send(new DeleteCrawlerCommand({ Name: naming.crawler('processed') }));
    const input = {
      dag_id: 'lakehouse_pipeline',
      run_id: 'manual__2026-01-02',
      data_interval_start: '2026-01-02T00:00:00.000Z',
      data_interval_end: '2026-01-03T00:00:00.000Z',
    };
    const result = await execute(input, 'lakehouse_pipeline-manual-2026-01-02');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PipelineFailed');
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]).toContain('manual__2026-01-02');
    expect(result.alerts[0]).toContain('lakehouse_pipeline-manual-2026-01-02');
    expect(result.transform.starts).toEqual([]);
    const run = await store().getRun('lakehouse_pipeline', '2026-01-02T00:00:00.000Z');
    expect(run).toMatchObject({ status: 'failed', runId: 'manual__2026-01-02', endedAt: '2026-01-02T03:10:00.000Z' });
    expect(run?.error).toMatch(/^CrawlerFailed: /);
  });

  it('failure path: a crawler that never finishes hits the poll bound and the run is recorded as timed out', async () => {
    await createCrawlers();
    await crawlsTake(3600);
    const input = {
      dag_id: 'lakehouse_pipeline',
      run_id: 'manual__2026-01-03',
      data_interval_start: '2026-01-03T00:00:00.000Z',
      data_interval_end: '2026-01-04T00:00:00.000Z',
    };
    const result = await execute(input, 'lakehouse_pipeline-manual-2026-01-03', 5);
    expect(result).toMatchObject({ status: 'FAILED', error: 'PipelineFailed' });
    // Both crawler branches poll up to the bound (one may stop early when the other fails the Parallel).
    expect(result.polls).toBeGreaterThanOrEqual(config.workflow.crawlerMaxPolls);
    const run = await store().getRun('lakehouse_pipeline', '2026-01-03T00:00:00.000Z');
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatch(/^CrawlerTimeout: .* not READY after 60 polls/);
  });
});

// Every service played locally: what GetCrawler answers is scripted, and the run record and alert tasks only
// record what they were asked to write, so the assertions are on the task inputs the definition builds.
interface Scripted {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly putItems: PutItemCommandInput[];
  readonly updates: Record<'success' | 'failure', UpdateItemCommandInput[]>;
  readonly alerts: { TopicArn: string; Subject: string; Message: string }[];
  readonly transform: { starts: StartExecutionSync[]; builds: unknown[] };
}

/** The GetCrawler answers of one crawler, in order; the last one repeats. */
type CrawlerAnswers = readonly Record<string, unknown>[];
const RUNNING = { State: 'RUNNING' };
const finished = (Status: string) => ({ State: 'READY', LastCrawl: { Status, ErrorMessage: `crawl ${Status}` } });

async function executeScripted(
  crawlers: Readonly<Record<CrawledLayer, CrawlerAnswers>>,
  build: Build,
  runId: string,
): Promise<Scripted> {
  const result: Scripted = {
    status: 'FAILED',
    putItems: [],
    updates: { success: [], failure: [] },
    alerts: [],
    transform: { starts: [], builds: [] },
  };
  const handlers: Record<string, TaskHandler> = {
    [STATES.recordStart]: async (p: PutItemCommandInput) => (result.putItems.push(p), {}),
    [STATES.recordSuccess]: async (p: UpdateItemCommandInput) => (result.updates.success.push(p), {}),
    [STATES.recordFailure]: async (p: UpdateItemCommandInput) => (result.updates.failure.push(p), {}),
    [STATES.notify]: async (p: Scripted['alerts'][number]) => (result.alerts.push(p), { MessageId: 'm-1' }),
    [STATES.transform]: transformStep(build, result.transform),
  };
  for (const layer of CRAWLED_LAYERS) {
    const answers = crawlers[layer];
    let poll = 0;
    handlers[`Start${cap(layer)}Crawler`] = async () => ({});
    handlers[`Get${cap(layer)}Crawler`] = async (p: { Name: string }) => {
      const answer = answers[Math.min(poll++, answers.length - 1)];
      return { Crawler: { Name: p.Name, DatabaseName: naming.database(layer), ...answer } };
    };
  }
  const input = {
    dag_id: 'lakehouse_pipeline',
    run_id: runId,
    data_interval_start: '2026-02-01T00:00:00.000Z',
    data_interval_end: '2026-02-02T00:00:00.000Z',
  };
  const waits = Object.fromEntries(CRAWLED_LAYERS.map((l) => [`Wait${cap(l)}Crawler`, 1]));
  const run = await runLocally(definition, input, { handlers, name: `lakehouse_pipeline-${runId}`, waits });
  return { ...result, ...run };
}

const RUN_KEY = { pipeline_name: { S: 'lakehouse_pipeline' }, execution_date: { S: '2026-02-01T00:00:00.000Z' } };

/**
 * The run was recorded as failed with `<error>: <cause>`, the alert (`<error> — <cause>`) went to the topic, and
 * nothing recorded success.
 */
function expectRecordedFailure(run: Scripted, error: string, cause: RegExp): void {
  expect(run).toMatchObject({ status: 'FAILED', error: 'PipelineFailed' });
  expect(run.putItems).toHaveLength(1);
  expect(run.updates.success).toEqual([]);
  expect(run.updates.failure).toHaveLength(1);
  const update = run.updates.failure[0] as UpdateItemCommandInput;
  expect(update).toMatchObject({ TableName: names.runsTable, Key: RUN_KEY });
  expect(update.ExpressionAttributeValues?.[':s']).toEqual({ S: 'failed' });
  const recorded = update.ExpressionAttributeValues?.[':e']?.S ?? '';
  expect(recorded.startsWith(`${error}: `), recorded).toBe(true);
  expect(recorded).toMatch(cause);
  expect(run.alerts).toHaveLength(1);
  expect(run.alerts[0]).toMatchObject({ TopicArn: naming.arn('sns', names.alertTopic) });
  expect(run.alerts[0]?.Message).toContain(`: ${error} — `);
  expect(run.alerts[0]?.Message).toMatch(cause);
}

describe('pipeline state machine: every crawler and transform outcome ends in a run record', () => {
  const succeeds: CrawlerAnswers = [RUNNING, finished('SUCCEEDED')];

  it('a crawler READY with no LastCrawl (it never finished a crawl) fails the run: recorded, alerted', async () => {
    const run = await executeScripted({ raw: [RUNNING, { State: 'READY' }], processed: succeeds }, buildSucceeds, 'r1');
    expectRecordedFailure(run, 'CrawlerFailed', /crawler lakehouse-dev-raw-crawler .*no finished crawl/);
    expect(run.transform.starts).toEqual([]);
  });

  for (const status of ['FAILED', 'CANCELLED'])
    it(`a crawl that ended ${status} fails the run: recorded, alerted, dbt not started`, async () => {
      const run = await executeScripted(
        { raw: succeeds, processed: [RUNNING, RUNNING, finished(status)] },
        buildSucceeds,
        `r-${status}`,
      );
      expectRecordedFailure(run, 'CrawlerFailed', /crawler lakehouse-dev-processed-crawler did not succeed/);
      expect(run.transform.starts).toEqual([]);
    });

  it('a successful dbt build records the run as succeeded with the transform execution', async () => {
    const run = await executeScripted({ raw: succeeds, processed: succeeds }, buildSucceeds, 'r-ok');
    expect(run).toMatchObject({ status: 'SUCCEEDED', alerts: [] });
    expect(run.transform.builds).toHaveLength(1);
    expect(run.updates.failure).toEqual([]);
    expect(run.updates.success).toHaveLength(1);
    const update = run.updates.success[0] as UpdateItemCommandInput;
    expect(update).toMatchObject({ TableName: names.runsTable, Key: RUN_KEY });
    expect(update.ExpressionAttributeValues?.[':s']).toEqual({ S: 'succeeded' });
    expect(update.ExpressionAttributeValues?.[':t']).toEqual({
      S: naming.arn('states', `execution:${names.transformStateMachine}:lakehouse_pipeline-r-ok`),
    });
  });

  it('a failed dbt build fails the run: recorded with the transform error, alerted, not retried', async () => {
    const run = await executeScripted({ raw: succeeds, processed: succeeds }, buildFails, 'r-dbt');
    expectRecordedFailure(run, 'States.TaskFailed', /"Status":"FAILED"/);
    expect(run.transform.starts).toHaveLength(1);
    expect(run.transform.builds).toHaveLength(1);
  });
});
