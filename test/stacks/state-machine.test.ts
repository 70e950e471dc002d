// The synthesized pipeline definition, validated by asl-validator and executed by aws-local-stepfunctions. Task
// resources run as local functions that make the same service calls against moto's server (DynamoDB, Glue, SNS,
// Athena), so the run record asserted at the end is the one a real execution would leave.
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
import { StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../stacks/config/load.ts';
import { LAYERS, Naming } from '../../stacks/lib/naming.ts';
import type { StateMachineDefinition } from '../../stacks/workflow/asl.ts';
import { STATES, taskStates } from '../../stacks/workflow/pipeline-definition.ts';
import { DynamoMetadataStore, runsTableDefinition } from '../../src/metadata/dynamodb.ts';
import { startMoto, type Moto } from '../helpers/moto.ts';
import { ofType, synthAll } from './helpers/synth.ts';

const config = loadConfig('dev', { env: {}, localDir: '/nonexistent' });
const naming = new Naming(config);
const names = naming.resources;
const pipeline = synthAll().stacks.find((s) => s.name === 'lakehouse-dev-pipeline');
const [[, machine] = ['', {}]] = ofType(pipeline?.json ?? {}, 'aws_sfn_state_machine').filter(
  ([, body]) => body.name === names.stateMachine,
);
const definition = JSON.parse(machine.definition as string) as StateMachineDefinition;

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
  await athena('CreateWorkGroup', { Name: names.workgroup, Configuration: {} });
});
afterAll(async () => {
  dynamo?.destroy();
  glue?.destroy();
  sns?.destroy();
  await moto?.stop();
});

/** Step Functions names service errors `<Service>.<Exception>`; the overrides do the same so Retry/Catch match. */
async function service<T>(prefix: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as Error;
    const named = new Error(e.message);
    named.name = `${prefix}.${e.name}`;
    throw named;
  }
}

/** Athena's JSON protocol against moto (no Athena SDK client among the project's dependencies). */
async function athena(action: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonAthena.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${config.region}/athena/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    const error = new Error(JSON.stringify(json));
    const type = typeof json.__type === 'string' ? json.__type : 'Error';
    error.name = `Athena.${type.split('#').pop() ?? type}`;
    throw error;
  }
  return json;
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
  for (const layer of LAYERS)
    await glue
      .send(
        new CreateCrawlerCommand({
          Name: naming.crawler(layer),
          Role: naming.arn('iam', `role/${naming.name('crawler')}`, { region: false }),
          DatabaseName: naming.database(layer),
          Targets: { S3Targets: [{ Path: `s3://${names.lakeBucket}/${layer}/` }] },
        }),
      )
      .catch((e: Error) => {
        if (e.name !== 'AlreadyExistsException') throw e;
      });
}

interface Execution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly alerts: string[];
  readonly polls: number;
}

async function execute(input: Record<string, string>, name: string, waitMs = 100): Promise<Execution> {
  const alerts: string[] = [];
  let polls = 0;
  const overrides: Record<string, (input: never) => Promise<unknown>> = {
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
    // athena:startQueryExecution.sync = start, then wait for a terminal state, returning GetQueryExecution's output.
    [STATES.transform]: (p: Record<string, unknown>) =>
      service('Athena', async () => {
        const { QueryExecutionId } = await athena('StartQueryExecution', p);
        for (;;) {
          const out = (await athena('GetQueryExecution', { QueryExecutionId })) as {
            QueryExecution: { Status: { State: string; StateChangeReason?: string } };
          };
          const state = out.QueryExecution.Status.State;
          if (state === 'SUCCEEDED') return out;
          if (state === 'FAILED' || state === 'CANCELLED') {
            const error = new Error(out.QueryExecution.Status.StateChangeReason ?? state);
            error.name = 'States.TaskFailed';
            throw error;
          }
        }
      }),
  };
  for (const layer of LAYERS) {
    const L = layer.charAt(0).toUpperCase() + layer.slice(1);
    overrides[`Start${L}Crawler`] = (p: { Name: string }) =>
      service('Glue', () => glue.send(new StartCrawlerCommand(p)).then(() => ({})));
    overrides[`Get${L}Crawler`] = (p: { Name: string }) =>
      service('Glue', async () => {
        polls++;
        const out = await glue.send(new GetCrawlerCommand(p));
        const last = out.Crawler?.LastCrawl;
        // moto reports a finished crawl as COMPLETED; Glue's LastCrawl.Status says SUCCEEDED.
        const status = last?.Status === ('COMPLETED' as string) ? 'SUCCEEDED' : last?.Status;
        return { Crawler: { State: out.Crawler?.State, LastCrawl: { ...last, Status: status } } };
      });
  }
  const waits = Object.fromEntries(LAYERS.map((l) => [`Wait${l.charAt(0).toUpperCase()}${l.slice(1)}Crawler`, waitMs]));
  // Retries still happen (and are counted against MaxAttempts); only their pauses are skipped.
  const noRetryPauses = Object.fromEntries(taskStates(definition).map(([state]) => [state, 0]));
  const sm = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const run = sm.run(input, {
    overrides: {
      taskResourceLocalHandlers: overrides as never,
      waitTimeOverrides: waits,
      retryIntervalOverrides: noRetryPauses,
    },
    // aws-local-stepfunctions takes the Context Object as given; State.EnteredTime stands in for each state's entry.
    context: { Execution: { Name: name, Input: input }, State: { EnteredTime: '2026-01-02T03:10:00.000Z' } },
  });
  try {
    await run.result;
    return { status: 'SUCCEEDED', alerts, polls };
  } catch (error) {
    // aws-local-stepfunctions wraps the execution's error; `cause` is the Fail state's (or uncaught) error.
    const cause = (error as { cause?: Error }).cause;
    return { status: 'FAILED', error: cause?.name ?? (error as Error).name, alerts, polls };
  }
}

const store = () => new DynamoMetadataStore({ client: dynamo, runsTable: names.runsTable, jobsTable: names.jobsTable });

describe('pipeline state machine', () => {
  it('is valid ASL (asl-validator)', () => {
    const { isValid, errors } = aslValidator(definition);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('success path: crawls, transforms, records the run as succeeded', async () => {
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
    expect(result.polls).toBeGreaterThanOrEqual(LAYERS.length * 2); // the Wait/Get/Choice loop went round
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
    // Both raw-layer branches poll up to the bound (one may stop early when the other fails the Parallel).
    expect(result.polls).toBeGreaterThanOrEqual(config.workflow.crawlerMaxPolls);
    const run = await store().getRun('lakehouse_pipeline', '2026-01-03T00:00:00.000Z');
    expect(run?.status).toBe('failed');
    expect(run?.error).toMatch(/^CrawlerTimeout: .* not READY after 60 polls/);
  });
});
