// The two checks the emulator cannot make (README.md here): every AWS call the code makes is allowed by the
// policies that govern it, and every SQL statement AWS would run names only tables that exist.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../stacks/constructs/bundled-function.ts';
import { venvPython } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { synthAll } from '../helpers/synth.ts';
import {
  airflowCalls,
  crawlerCalls,
  dagsFolder,
  dbtBuildCalls,
  handlerEntries,
  lambdaCalls,
  stateMachineCalls,
  type DagTask,
  type PrincipalCalls,
} from './derive-calls.ts';
import { findings, formatFinding } from './simulate.ts';
import { sqlInventory, tableKey, type SqlInventory } from './sql-statements.ts';
import { stateMachines, taskStatesOf } from './state-machines.ts';
import { environmentModels, type EnvironmentModel } from './terraform-model.ts';

interface Environment {
  readonly model: EnvironmentModel;
  readonly inventory: SqlInventory;
  readonly principals: PrincipalCalls[];
}

function dagTasks(): DagTask[] {
  const out = join(tempDir('lakehouse-dags-'), 'tasks.json');
  execFileSync(
    venvPython('airflow'),
    [join(import.meta.dirname, 'dag_operators.py'), JSON.stringify({ dags: dagsFolder(), out })],
    { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
  );
  const listed = JSON.parse(readFileSync(out, 'utf8')) as { import_errors: Record<string, string>; tasks: DagTask[] };
  expect(listed.import_errors).toEqual({});
  return listed.tasks;
}

let environments: Environment[] = [];
let tasks: DagTask[] = [];

beforeAll(async () => {
  tasks = dagTasks();
  const models = environmentModels(synthAll().stacks);
  const inventories = await Promise.all(models.map((model) => sqlInventory(model)));
  environments = models.map((model, i) => {
    const inventory = inventories[i] as SqlInventory;
    const mwaa = airflowCalls(model, tasks);
    const principals = [
      ...stateMachineCalls(model, inventory),
      ...lambdaCalls(model),
      dbtBuildCalls(model, inventory),
      ...crawlerCalls(model),
      ...(mwaa ? [mwaa] : []),
    ];
    return { model, inventory, principals };
  });
}, 900_000);

describe('every AWS call the code makes is allowed by the policies that govern it', () => {
  it('derives calls from every Task state, handler, crawler, DAG task and the dbt build (nothing is skipped)', () => {
    expect(environments.map((e) => e.model.env).sort()).toEqual(['dev', 'prod', 'staging']);
    const dagFiles = readdirSync(dagsFolder()).filter((f) => f.endsWith('.py') && f !== 'lakehouse_common.py');
    expect(new Set(tasks.map((t) => t.dag_id)).size).toBe(dagFiles.length);
    expect(environments.some((e) => e.principals.some((p) => p.service === 'airflow-env.amazonaws.com'))).toBe(true);
    for (const { model, principals } of environments) {
      for (const machine of stateMachines(model)) {
        const taskCount = taskStatesOf(machine.definition).length;
        expect(taskCount, `${machine.name} has Task states`).toBeGreaterThan(0);
        const calls = principals.find((p) => p.who === `state machine ${machine.name}`)?.calls ?? [];
        const statesWithCalls = new Set(calls.map((c) => /Task state (\S+)/.exec(c.why)?.[1]).filter(Boolean));
        expect(statesWithCalls.size, `every Task state of ${machine.name} yields calls`).toBe(taskCount);
      }
      const lambdas = principals.filter((p) => p.service === 'lambda.amazonaws.com');
      expect(lambdas.map((p) => /\((src\/handlers\/[^,]+),/.exec(p.who)?.[1]).sort()).toEqual(handlerEntries().sort());
      for (const p of lambdas) expect(p.calls.filter((c) => / at src\//.test(c.why)).length, p.who).toBeGreaterThan(3);
      const dbt = principals.find((p) => p.service === 'codebuild.amazonaws.com');
      expect(dbt?.calls.filter((c) => c.action.startsWith('glue:')).length).toBeGreaterThan(50);
      const crawlers = principals.filter((p) => p.service === 'glue.amazonaws.com');
      expect(crawlers.length).toBe(model.all('aws_glue_crawler').length);
      const mwaa = principals.find((p) => p.service === 'airflow-env.amazonaws.com');
      if (mwaa) expect(new Set(mwaa.calls.map((c) => c.why.split(':')[0])).size).toBe(tasks.length);
    }
  });

  it('the evaluator denies what no policy allows (the check can fail)', async () => {
    const { model, principals } = environments[0] as Environment;
    const stripped = principals.map((p) => ({ ...p, role: { ...p.role, policies: [] } }));
    const denied = await findings(model, stripped);
    expect(denied.length).toBe(
      new Set(
        stripped.flatMap((p) =>
          p.calls.map((c) => `${p.role.name} ${c.action} ${c.resource} ${JSON.stringify(c.context ?? {})}`),
        ),
      ).size,
    );
  });

  it('consults the bucket policy: the same read over plain HTTP is denied by its TLS-only statement', async () => {
    const { model, principals } = environments[0] as Environment;
    const dbt = principals.find((p) => p.service === 'codebuild.amazonaws.com') as PrincipalCalls;
    const read = dbt.calls.find((c) => c.action === 's3:GetObject') as PrincipalCalls['calls'][number];
    const overHttp = { ...read, context: { ...read.context, 'aws:SecureTransport': 'false' } };
    const [denied, ...more] = await findings(model, [{ ...dbt, calls: [overHttp] }]);
    expect(more).toEqual([]);
    expect(denied?.deniedBy).toMatch(/explicitly denied by statement DenyInsecureTransport of the bucket policy of /);
  });

  it('allows every call: identity policies, bucket policies (TLS-only, SSE-KMS), key policies, trust policies', async () => {
    const all = (await Promise.all(environments.map((e) => findings(e.model, e.principals)))).flat();
    expect(all.map(formatFinding)).toEqual([]);
  });
});

describe('every SQL statement AWS would run names only tables that exist', () => {
  it('finds the state machines’ queries, the named queries and every dbt node', () => {
    const dbtModels = readdirSync(join(REPO_ROOT, 'dbt_project/models'), { recursive: true }).filter((f) =>
      String(f).endsWith('.sql'),
    );
    for (const { model, inventory } of environments) {
      const ids = inventory.statements.map((s) => s.id);
      const athenaTasks = stateMachines(model).flatMap((m) =>
        taskStatesOf(m.definition).filter(([, t]) => t.Resource.includes(':athena:startQueryExecution')),
      );
      expect(ids.filter((id) => id.includes('/') && !id.startsWith('named-query/')).length).toBe(athenaTasks.length);
      expect(ids.filter((id) => id.startsWith('named-query/')).length).toBe(model.all('aws_athena_named_query').length);
      expect(inventory.dbt.models).toBe(dbtModels.length);
      expect(inventory.dbt.sources.length).toBeGreaterThan(0);
    }
  });

  it('parses every statement (Athena dialect)', () => {
    const errors = environments.flatMap(({ model, inventory }) =>
      inventory.statements.filter((s) => s.error).map((s) => `${model.env}: ${s.origin}: ${s.error}`),
    );
    expect(errors).toEqual([]);
  });

  it('resolves every table a statement or dbt source names', () => {
    const unknown: string[] = [];
    for (const { model, inventory } of environments) {
      for (const s of inventory.statements)
        for (const t of s.tables)
          if (t.role !== 'create' && !inventory.known.has(tableKey(t)))
            unknown.push(
              `${model.env}: ${s.origin} ${t.role === 'write' ? 'writes' : 'reads'} ${tableKey(t)}, which nothing creates`,
            );
      for (const source of inventory.dbt.sources)
        if (!inventory.known.has(tableKey(source)))
          unknown.push(`${model.env}: dbt source ${tableKey(source)} is a table nothing creates`);
    }
    expect(unknown).toEqual([]);
  });
});
