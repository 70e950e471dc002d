// What the first scheduled run in a fresh environment depends on, checked on the synthesized stacks of every
// environment: the pipeline's transform step runs the dbt project (no SQL of its own), the crawlers scan the
// folders the stream processor writes its Iceberg tables to, the named queries name tables that exist, Airflow may
// start every state machine its DAGs start, the DAG upload carries .airflowignore, and the bootstrap state lives
// outside cdktf.out/.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { GlueClient } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../stacks/config/load.ts';
import { ICEBERG_TRAVERSAL_DEPTH } from '../../stacks/constructs/catalog.ts';
import { AIRFLOW_IGNORE } from '../../stacks/constructs/orchestration.ts';
import { SYNC_EXECUTION_RULE } from '../../stacks/constructs/workflow.ts';
import { CRAWLED_LAYERS, Naming } from '../../stacks/lib/naming.ts';
import type { StateMachineDefinition, TaskState } from '../../stacks/workflow/asl.ts';
import { STATES, taskStates } from '../../stacks/workflow/pipeline-definition.ts';
import { GlueCatalog } from '../../src/catalog/glue.ts';
import { BUILTIN_CONTRACTS } from '../../src/contracts/load.ts';
import { ofType, synthAll, type SynthStack } from './helpers/synth.ts';

const { stacks } = synthAll();
const REPO = resolve('.');
const of = (part: string) => stacks.filter((s) => s.part === part);
const namingOf = (stack: SynthStack) => new Naming(loadConfig(stack.env, { env: {}, localDir: '/nonexistent' }));
const sibling = (stack: SynthStack, part: string) =>
  stacks.find((s) => s.env === stack.env && s.part === part) as SynthStack;

interface Statement {
  sid: string;
  effect?: string;
  actions: string[];
  resources?: string[];
}
/** The statements of a role's inline policy, found through the role name. */
function roleStatements(stack: SynthStack, roleName: string): Statement[] {
  const roles = ofType(stack.json, 'aws_iam_role').filter(([, b]) => b.name === roleName);
  expect(roles, `${stack.name} role ${roleName}`).toHaveLength(1);
  const [[roleId]] = roles as [[string, unknown]];
  const [, policy] = ofType(stack.json, 'aws_iam_role_policy').find(
    ([, b]) => b.role === `\${aws_iam_role.${roleId}.id}`,
  ) as [string, Record<string, unknown>];
  const docId = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(String(policy.policy))?.[1] ?? '';
  const doc = ofType(stack.json, 'aws_iam_policy_document', 'data').find(([id]) => id === docId)?.[1];
  return (doc?.statement ?? []) as Statement[];
}
const bySid = (statements: Statement[]) => Object.fromEntries(statements.map((s) => [s.sid, s]));

function definitionOf(stack: SynthStack, name: string): StateMachineDefinition {
  const [, machine] = ofType(stack.json, 'aws_sfn_state_machine').find(([, b]) => b.name === name) ?? [];
  expect(machine, `${stack.name} state machine ${name}`).toBeDefined();
  return JSON.parse(String(machine?.definition)) as StateMachineDefinition;
}

describe('the pipeline runs the dbt project', () => {
  it('its transform step starts the transform state machine and waits for it (startExecution.sync:2)', () => {
    for (const stack of of('pipeline')) {
      const n = namingOf(stack);
      const definition = definitionOf(stack, n.resources.stateMachine);
      const step = definition.States[STATES.transform] as TaskState;
      expect(step.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
      expect(step.Parameters).toMatchObject({
        StateMachineArn: n.arn('states', `stateMachine:${n.resources.transformStateMachine}`),
        Input: { command: ['dbt', 'build', '--target', stack.env] },
      });
      // The child's own timeout fires (and alerts) before the step gives up on it, and crawls plus build still fit
      // inside the pipeline's bound (which the DAG's 6-hour sensor matches).
      // The transform state machine it names is the one this stack creates.
      const transform = definitionOf(stack, n.resources.transformStateMachine);
      expect(step.TimeoutSeconds).toBeGreaterThan(transform.TimeoutSeconds ?? Infinity);
      const { workflow } = loadConfig(stack.env, { env: {}, localDir: '/nonexistent' });
      const crawlBound = workflow.crawlerPollSeconds * workflow.crawlerMaxPolls;
      expect(crawlBound + (step.TimeoutSeconds ?? Infinity)).toBeLessThan(definition.TimeoutSeconds ?? 0);
    }
  });

  it('no state machine runs SQL of its own: no Athena task anywhere', () => {
    for (const stack of of('pipeline'))
      for (const [, machine] of ofType(stack.json, 'aws_sfn_state_machine')) {
        const definition = JSON.parse(String(machine.definition)) as StateMachineDefinition;
        for (const [name, task] of taskStates(definition)) expect(task.Resource, name).not.toMatch(/athena/);
      }
  });

  it('the pipeline role may start, follow and stop only transform executions, through the managed .sync rule', () => {
    for (const stack of of('pipeline')) {
      const n = namingOf(stack);
      const statements = bySid(roleStatements(stack, n.name('pipeline-sfn')));
      const transform = n.resources.transformStateMachine;
      expect(statements.StartTransform).toMatchObject({
        actions: ['states:StartExecution'],
        resources: [n.arn('states', `stateMachine:${transform}`)],
      });
      expect(statements.FollowTransform).toMatchObject({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [n.arn('states', `execution:${transform}:*`)],
      });
      expect(statements.SyncRule).toMatchObject({
        actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        resources: [n.arn('events', `rule/${SYNC_EXECUTION_RULE}`)],
      });
      // Nothing of the old Athena step: the pipeline itself neither queries nor writes the lake.
      const actions = Object.values(statements).flatMap((s) => s.actions);
      expect(actions.filter((a) => /^(athena|s3):/.test(a))).toEqual([]);
    }
  });

  it('the Athena named queries name a table the stream processor creates', () => {
    for (const stack of of('data')) {
      const n = namingOf(stack);
      const queries = ofType(stack.json, 'aws_athena_named_query');
      expect(queries.length).toBeGreaterThan(0);
      for (const [id, query] of queries) {
        const sql = String(query.query);
        expect(sql, id).not.toMatch(/\bCREATE\b|\bINSERT\b/i);
        const tables = [...sql.matchAll(/\b(?:FROM|OPTIMIZE|VACUUM)\s+([\w.]+)/gi)].map((m) => m[1]);
        expect(tables.length, id).toBeGreaterThan(0);
        for (const table of tables) {
          const [database, name] = String(table).split('.');
          // The processor writes one table per contract into the processed (and raw) namespace.
          expect(database, `${id}: ${sql}`).toBe(n.database('processed'));
          expect(BUILTIN_CONTRACTS as readonly string[], `${id}: ${sql}`).toContain(name);
        }
        expect(query.database, id).toBe(n.database('processed'));
      }
    }
  });
});

describe('the crawlers scan where the stream processor writes', () => {
  it('one Iceberg crawler per layer the processor writes, over the folder of that layer’s tables', () => {
    for (const stack of of('data')) {
      const n = namingOf(stack);
      const crawlers = ofType(stack.json, 'aws_glue_crawler').map(([, b]) => b);
      expect(crawlers.map((c) => c.name).sort()).toEqual(CRAWLED_LAYERS.map((l) => n.crawler(l)).sort());
      // Where the processor Lambda puts each layer's tables: the warehouse and namespaces it is configured with,
      // through the catalog's own location rule (src/catalog/glue.ts).
      const [, processor] = ofType(sibling(stack, 'pipeline').json, 'aws_lambda_function').find(([, b]) =>
        String(b.function_name).endsWith('stream-processor'),
      ) as [string, { environment: { variables: Record<string, string> } }];
      const env = processor.environment.variables;
      const catalog = new GlueCatalog({ warehouse: String(env.LAKEHOUSE_WAREHOUSE), client: new GlueClient({}) });
      const namespaces = { raw: env.LAKEHOUSE_RAW_DATABASE, processed: env.LAKEHOUSE_PROCESSED_DATABASE };
      for (const layer of CRAWLED_LAYERS) {
        const crawler = crawlers.find((c) => c.name === n.crawler(layer)) as Record<string, unknown>;
        const namespace = String(namespaces[layer]);
        const databaseId = /^\$\{aws_glue_catalog_database\.([^.]+)\.name\}$/.exec(String(crawler.database_name))?.[1];
        const [, database] = ofType(stack.json, 'aws_glue_catalog_database').find(([id]) => id === databaseId) ?? [];
        expect(database?.name).toBe(namespace);
        // Never a plain S3 crawl: that would register Iceberg data and metadata files as Hive tables.
        expect(crawler.s3_target, crawler.name as string).toBeUndefined();
        const targets = crawler.iceberg_target as { paths: string[]; maximum_traversal_depth: number }[];
        expect(targets).toHaveLength(1);
        const [path] = targets[0]?.paths ?? [];
        expect(targets[0]?.maximum_traversal_depth).toBe(ICEBERG_TRAVERSAL_DEPTH);
        for (const table of BUILTIN_CONTRACTS) {
          const location = catalog.tableLocation({ namespace, name: table });
          expect(`${location}/`.startsWith(String(path)), `${location} under ${path}`).toBe(true);
          // The table folder sits right below the target: its metadata/ folder is within the traversal depth.
          expect(relative(String(path).slice('s3:/'.length), location.slice('s3:/'.length)).split('/')).toHaveLength(1);
        }
        // Existing tables belong to the processor's commits: a crawl logs changes, never rewrites or deletes.
        expect(crawler.schema_change_policy).toEqual({ update_behavior: 'LOG', delete_behavior: 'LOG' });
        // The crawler's role reads exactly that folder.
        const statements = bySid(roleStatements(stack, n.name(`${layer}-crawler`)));
        const read = Object.values(statements).find((s) => s.actions.includes('s3:GetObject'));
        expect(read?.resources).toEqual([
          `${n.bucketArn(n.resources.lakeBucket)}/${path?.split('/').slice(3).join('/')}*`,
        ]);
      }
    }
  });
});

describe('Airflow may start every state machine its DAGs start', () => {
  // The DAGs name a state machine by Variable, lakehouse_<kind>_state_machine_arn (docs/deploy.md maps each to a
  // pipeline stack output).
  const started = readdirSync('dags')
    .filter((f) => f.endsWith('.py'))
    .flatMap((f) => [...readFileSync(join('dags', f), 'utf8').matchAll(/lakehouse_(\w+?)_state_machine_arn/g)])
    .map((m) => m[1] as string);

  it('the DAGs start the pipeline and the transform', () => {
    expect([...new Set(started)].sort()).toEqual(['pipeline', 'transform']);
  });

  it('the MWAA execution role may start, follow and stop exactly those state machines', () => {
    for (const stack of of('orchestration')) {
      const n = namingOf(stack);
      const machineOf: Record<string, string> = {
        pipeline: n.resources.stateMachine,
        transform: n.resources.transformStateMachine,
      };
      const machines = [...new Set(started)].map((kind) => machineOf[kind] as string).sort();
      const statements = roleStatements(stack, n.name('airflow'));
      const granting = (action: string) =>
        statements
          .filter((s) => s.actions.includes(action))
          .flatMap((s) => s.resources ?? [])
          .sort();
      expect(granting('states:StartExecution')).toEqual(machines.map((m) => n.arn('states', `stateMachine:${m}`)));
      for (const action of ['states:DescribeExecution', 'states:StopExecution'])
        expect(granting(action), action).toEqual(machines.map((m) => n.arn('states', `execution:${m}:*`)));
      // The DAGs call no Glue API: the crawls run inside the pipeline state machine.
      expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('glue:'))).toEqual([]);
    }
  });
});

describe('the DAG upload', () => {
  it('carries .airflowignore next to the DAG files, so MWAA never parses the helper modules as DAGs', () => {
    const ignore = readFileSync(join('dags', AIRFLOW_IGNORE), 'utf8');
    const patterns = ignore.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(patterns).toContain('lakehouse_common.py');
    for (const stack of of('orchestration')) {
      const objects = ofType(stack.json, 'aws_s3_object').map(([, b]) => b);
      const keys = objects.map((o) => String(o.key)).sort();
      const dagFiles = readdirSync('dags').filter((f) => f.endsWith('.py'));
      expect(keys).toEqual([...dagFiles.map((f) => `dags/${f}`), `dags/${AIRFLOW_IGNORE}`, 'requirements.txt'].sort());
      // The object's content is the repo's file.
      const object = objects.find((o) => o.key === `dags/${AIRFLOW_IGNORE}`) as { source: string };
      expect(readFileSync(join(stack.dir, object.source), 'utf8')).toBe(ignore);
    }
  });
});

describe('the bootstrap stack’s local state', () => {
  it('is state/<stack>.tfstate at the repo root, outside the synth output, and git-ignored', () => {
    const output = (JSON.parse(readFileSync('cdktf.json', 'utf8')) as { output?: string }).output ?? 'cdktf.out';
    for (const stack of of('bootstrap')) {
      const backend = stack.json.terraform?.backend ?? {};
      expect(Object.keys(backend)).toEqual(['local']);
      const path = String(backend.local?.path);
      // Terraform resolves it from the folder `cdktf deploy` runs it in.
      const workingDir = join(REPO, output, 'stacks', stack.name);
      const state = resolve(workingDir, path);
      expect(state).toBe(join(REPO, 'state', `${stack.name}.tfstate`));
      expect(relative(join(REPO, output), state).startsWith('..')).toBe(true);
      // Same on every machine: the snapshot and every checkout agree.
      expect(path.startsWith('/')).toBe(false);
      execFileSync('git', ['check-ignore', '-q', relative(REPO, state)]);
    }
  });
});
