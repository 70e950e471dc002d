// The dbt transform of the pipeline stack: the state machine (validated by asl-validator, executed by
// aws-local-stepfunctions with CodeBuild and SNS played by local handlers), the buildspec's command runner (run for
// real against a stand-in `dbt`), the build's settings against dbt_project/, and the two roles.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { App, TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../stacks/config/load.ts';
import { ENVIRONMENTS } from '../../stacks/config/types.ts';
import { DBT_PACKAGES, DBT_SCHEMAS, Transform } from '../../stacks/constructs/transform.ts';
import { Naming } from '../../stacks/lib/naming.ts';
import type { StateMachineDefinition } from '../../stacks/workflow/asl.ts';
import { TRANSFORM_STATES } from '../../stacks/workflow/transform-definition.ts';
import { ofType, synthAll, type SynthStack } from './helpers/synth.ts';
import { tempDir } from '../helpers/tmp.ts';

const { stacks } = synthAll();
const pipelines = stacks.filter((s) => s.part === 'pipeline');
const config = loadConfig('dev', { env: {}, localDir: '/nonexistent' });
const naming = new Naming(config);
const names = naming.resources;
const dev = pipelines.find((s) => s.env === 'dev') as SynthStack;

function single(
  stack: SynthStack,
  type: string,
  match: (b: Record<string, unknown>) => boolean = () => true,
): [string, Record<string, unknown>] {
  const found = ofType(stack.json, type).filter(([, b]) => match(b));
  if (found.length !== 1) throw new Error(`${stack.name}: expected one ${type}, found ${found.length}`);
  return found[0] as [string, Record<string, unknown>];
}

interface Project {
  name: string;
  build_timeout: number;
  queued_timeout: number;
  concurrent_build_limit: number;
  encryption_key: string;
  service_role: string;
  source: { type: string; location: string; buildspec: string };
  environment: { compute_type: string; image: string; environment_variable: { name: string; value: string }[] };
  logs_config: { cloudwatch_logs: { status: string; group_name: string } };
}
const project = (stack: SynthStack) => single(stack, 'aws_codebuild_project')[1] as unknown as Project;
const machine = (stack: SynthStack, name: string) => single(stack, 'aws_sfn_state_machine', (b) => b.name === name)[1];
const devNames = names;
const definition = JSON.parse(
  machine(dev, devNames.transformStateMachine).definition as string,
) as StateMachineDefinition;

interface Statement {
  sid: string;
  actions: string[];
  resources: string[];
  condition?: { variable: string; values: string[] }[];
}
/** The statements of a role's inline policy, found through the role name. */
function roleStatements(stack: SynthStack, roleName: string): Statement[] {
  const [roleId] = single(stack, 'aws_iam_role', (b) => b.name === roleName);
  const [, policy] = single(stack, 'aws_iam_role_policy', (b) => b.role === `\${aws_iam_role.${roleId}.id}`);
  const docId = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(String(policy.policy))?.[1] ?? '';
  const doc = ofType(stack.json, 'aws_iam_policy_document', 'data').find(([id]) => id === docId)?.[1];
  return (doc?.statement ?? []) as Statement[];
}

interface Run {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly builds: { ProjectName: string; EnvironmentVariablesOverride: { Name: string; Value: string }[] }[];
  readonly alerts: string[];
}

/** One execution; `build` plays codebuild:startBuild.sync (return the finished build, or throw its error). */
async function execute(input: Record<string, string | string[]>, build: (attempt: number) => unknown): Promise<Run> {
  const builds: Run['builds'] = [];
  const alerts: string[] = [];
  const handlers = {
    [TRANSFORM_STATES.build]: async (p: Run['builds'][number]) => {
      builds.push(p);
      return build(builds.length);
    },
    [TRANSFORM_STATES.notify]: async (p: { Message: string }) => {
      alerts.push(p.Message);
      return { MessageId: 'm-1' };
    },
  };
  const sm = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = sm.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: { [TRANSFORM_STATES.build]: 0, [TRANSFORM_STATES.notify]: 0 },
    },
    context: { Execution: { Name: 'transform_on_snapshot-manual-1-abc', Input: input } },
  });
  try {
    await execution.result;
    return { status: 'SUCCEEDED', builds, alerts };
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    return { status: 'FAILED', error: cause?.name ?? (error as Error).name, builds, alerts };
  }
}

const env = (run: Run, attempt = 0) =>
  Object.fromEntries((run.builds[attempt]?.EnvironmentVariablesOverride ?? []).map((v) => [v.Name, v.Value]));
const finished = { Build: { Id: `${devNames.dbtProject}:b-1`, BuildStatus: 'SUCCEEDED' } };
const failure = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('transform state machine', () => {
  it('is valid ASL (asl-validator) in every environment', () => {
    for (const stack of pipelines) {
      const def = JSON.parse(machine(stack, `lakehouse-${stack.env}-transform`).definition as string) as unknown;
      const { isValid, errors } = aslValidator(def);
      expect(errors, stack.name).toEqual([]);
      expect(isValid).toBe(true);
    }
  });

  it('runs the DAG’s command in the dbt project, with the run id and snapshots, and succeeds', async () => {
    const input = {
      command: ['dbt', 'build', '--target', 'prod'],
      run_id: 'asset_triggered__2026-01-02T03:04:05',
      snapshots: '[{"snapshot_id": 42, "table": "events"}]',
    };
    const run = await execute(input, () => finished);
    expect(run).toMatchObject({ status: 'SUCCEEDED', alerts: [] });
    expect(run.builds).toHaveLength(1);
    expect(run.builds[0]?.ProjectName).toBe(devNames.dbtProject);
    expect(env(run)).toEqual({
      DBT_COMMAND: '["dbt","build","--target","prod"]',
      LAKEHOUSE_RUN_ID: input.run_id,
      LAKEHOUSE_SNAPSHOTS: input.snapshots,
      LAKEHOUSE_EXECUTION_NAME: 'transform_on_snapshot-manual-1-abc',
    });
  });

  it('an empty input builds the environment’s own target', async () => {
    const run = await execute({}, () => finished);
    expect(run.status).toBe('SUCCEEDED');
    expect(JSON.parse(env(run).DBT_COMMAND ?? 'null')).toEqual(['dbt', 'build', '--target', 'dev']);
    expect(env(run)).toMatchObject({ LAKEHOUSE_RUN_ID: 'manual', LAKEHOUSE_SNAPSHOTS: '[]' });
  });

  it('a failed build is not retried: it is alerted (with the log group) and the execution fails', async () => {
    const run = await execute({ run_id: 'manual__2026-01-05' }, () => {
      throw failure('States.TaskFailed', '{"Build":{"BuildStatus":"FAILED"}}');
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'TransformFailed' });
    expect(run.builds).toHaveLength(1);
    expect(run.alerts).toHaveLength(1);
    expect(run.alerts[0]).toContain('manual__2026-01-05');
    expect(run.alerts[0]).toContain(`/aws/codebuild/${devNames.dbtProject}`);
    expect(run.alerts[0]).toContain('States.TaskFailed');
  });

  it('a start refused while another build runs is retried with backoff, then succeeds', async () => {
    const run = await execute({}, (attempt) => {
      if (attempt < 3) throw failure('CodeBuild.AccountLimitExceededException', 'concurrent build limit');
      return finished;
    });
    expect(run).toMatchObject({ status: 'SUCCEEDED', alerts: [] });
    expect(run.builds).toHaveLength(3);
  });

  it('the build task’s timeout covers queueing and the build timeout, and the execution’s covers the task', () => {
    for (const stack of pipelines) {
      const def = JSON.parse(machine(stack, `lakehouse-${stack.env}-transform`).definition as string) as {
        TimeoutSeconds: number;
        States: Record<string, { TimeoutSeconds?: number }>;
      };
      const p = project(stack);
      const task = def.States[TRANSFORM_STATES.build]?.TimeoutSeconds ?? 0;
      expect(task).toBeGreaterThan((p.build_timeout + p.queued_timeout) * 60);
      expect(def.TimeoutSeconds).toBeGreaterThan(task);
      // dags/transform_on_snapshot.py waits 3 hours.
      expect(def.TimeoutSeconds).toBeLessThanOrEqual(3 * 3600);
    }
  });
});

describe('dbt build (CodeBuild)', () => {
  it('builds from the zipped dbt_project/ in the artifacts bucket, encrypted, logged, one build at a time', () => {
    for (const stack of pipelines) {
      const n = new Naming(loadConfig(stack.env, { env: {}, localDir: '/nonexistent' })).resources;
      const p = project(stack);
      const [objectId, object] = single(stack, 'aws_s3_object', (b) => String(b.key).startsWith('dbt/'));
      expect(object).toMatchObject({ bucket: n.artifactsBucket, server_side_encryption: 'aws:kms' });
      expect(p.source.type).toBe('S3');
      expect(p.source.location).toBe(`${n.artifactsBucket}/\${aws_s3_object.${objectId}.key}`);
      expect(p.encryption_key).toMatch(/aws_kms_key/);
      expect(p.concurrent_build_limit).toBe(1);
      expect(p.environment.image).toMatch(/^aws\/codebuild\/amazonlinux-x86_64-standard:/);
      expect(p.logs_config.cloudwatch_logs).toMatchObject({
        status: 'ENABLED',
        group_name: expect.stringMatching(/\$\{aws_cloudwatch_log_group\./),
      });
      const [, group] = single(stack, 'aws_cloudwatch_log_group', (b) => b.name === `/aws/codebuild/${n.dbtProject}`);
      expect(group.retention_in_days).toBe(
        loadConfig(stack.env, { env: {}, localDir: '/nonexistent' }).logRetentionDays,
      );
    }
    expect(project(pipelines.find((s) => s.env === 'prod') as SynthStack).build_timeout).toBe(120);
  });

  it('the zip holds the dbt project without local build output', () => {
    const zip = readdirSync(join(dev.dir, 'assets')).find((d) => d.startsWith('transform_dbt-project_'));
    expect(zip).toBeDefined();
    const root = tempDir('lakehouse-dbt-asset-');
    const projectDir = join(root, 'project');
    for (const dir of ['models', 'target', 'logs', 'dbt_packages'])
      mkdirSync(join(projectDir, dir), { recursive: true });
    writeFileSync(join(projectDir, 'dbt_project.yml'), 'name: x\n');
    writeFileSync(join(projectDir, 'models', 'a.sql'), 'select 1\n');
    writeFileSync(join(projectDir, 'target', 'manifest.json'), '{}');
    writeFileSync(join(projectDir, 'logs', 'dbt.log'), 'log');
    writeFileSync(join(projectDir, 'dbt_packages', 'p.sql'), 'x');
    const stack = new TerraformStack(new App({ outdir: join(root, 'out') }), 'asset-test');
    new Transform(stack, 'transform', {
      naming,
      config: config.transform,
      kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x',
      alertTopicArn: naming.arn('sns', names.alertTopic),
      logRetentionDays: 7,
      xrayTracing: false,
      projectDir,
      outDir: join(root, 'bundles'),
    });
    const staged = join(root, 'bundles', names.dbtProject);
    expect(readdirSync(staged).sort()).toEqual(['dbt_project.yml', 'models']);
    expect(existsSync(join(staged, 'models', 'a.sql'))).toBe(true);
  });

  it('sets every variable the Athena profile requires, and the default target is a profile output', () => {
    const profiles = readFileSync('dbt_project/profiles.yml', 'utf8');
    const required = [...profiles.matchAll(/env_var\('(\w+)'\)/g)].map((m) => m[1] as string);
    expect(required).toContain('LAKEHOUSE_CURATED_S3');
    for (const stack of pipelines) {
      const vars = Object.fromEntries(project(stack).environment.environment_variable.map((v) => [v.name, v.value]));
      // AWS_REGION is set by CodeBuild in every build.
      for (const name of required.filter((r) => r !== 'AWS_REGION'))
        expect(vars, `${stack.name} ${name}`).toHaveProperty(name);
      const n = new Naming(loadConfig(stack.env, { env: {}, localDir: '/nonexistent' }));
      expect(vars).toMatchObject({
        LAKEHOUSE_PROCESSED_DATABASE: n.database('processed'),
        LAKEHOUSE_GLUE_DATABASE_PREFIX: `lakehouse_${stack.env}`,
        LAKEHOUSE_CURATED_S3: `s3://${n.resources.lakeBucket}/curated/`,
        LAKEHOUSE_ATHENA_WORKGROUP: n.resources.workgroup,
        LAKEHOUSE_ATHENA_RESULTS_S3: `s3://${n.resources.athenaResultsBucket}/results/`,
      });
      expect(JSON.parse(vars.DBT_COMMAND ?? 'null')).toEqual(['dbt', 'build', '--target', stack.env]);
      expect(profiles).toMatch(new RegExp(`^    ${stack.env}: `, 'm'));
    }
  });

  it('installs the dbt versions the dbt tests pin, and knows every custom schema of the project', () => {
    const pins = readFileSync('test/python/requirements-dbt.txt', 'utf8');
    for (const pkg of DBT_PACKAGES) expect(pins.split('\n')).toContain(pkg);
    const buildspec = JSON.parse(project(dev).source.buildspec) as { phases: { install: { commands: string[] } } };
    expect(buildspec.phases.install.commands.join('\n')).toContain("'dbt-core==1.11.16' 'dbt-athena==1.11.1'");
    const schemas = [...readFileSync('dbt_project/dbt_project.yml', 'utf8').matchAll(/\+schema:\s*(\w+)/g)].map(
      (m) => m[1],
    );
    expect([...new Set(schemas)].sort()).toEqual([...DBT_SCHEMAS].sort());
  });

  it('the buildspec runs exactly the command it is given, without a shell, and refuses anything but dbt', async () => {
    const buildspec = JSON.parse(project(dev).source.buildspec) as { phases: { build: { commands: string[] } } };
    const bin = tempDir('lakehouse-fake-dbt-');
    // A stand-in dbt that records its argv.
    writeFileSync(
      join(bin, 'dbt'),
      '#!/usr/bin/env python3\nimport json, sys\nprint("ARGV=" + json.dumps(sys.argv[1:]))\nsys.exit(3 if "--fail" in sys.argv else 0)\n',
    );
    chmodSync(join(bin, 'dbt'), 0o755);
    const run = async (command: unknown) => {
      const script = ['set -e', ...buildspec.phases.build.commands].join('\n');
      try {
        const { stdout } = await promisify(execFile)('bash', ['-c', script], {
          env: {
            PATH: `${bin}:${process.env.PATH ?? ''}`,
            DBT_COMMAND: typeof command === 'string' ? command : JSON.stringify(command),
            LAKEHOUSE_RUN_ID: 'r-1',
            LAKEHOUSE_EXECUTION_NAME: 'e-1',
            LAKEHOUSE_SNAPSHOTS: '[]',
          },
        });
        return { code: 0, out: stdout };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, out: e.stdout + e.stderr };
      }
    };
    const ok = await run(['dbt', 'build', '--target', 'prod', '--select', 'fct_events; rm -rf /']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('run r-1, execution e-1, snapshots []');
    const argvs = ok.out
      .split('\n')
      .filter((l) => l.startsWith('ARGV='))
      .map((l) => JSON.parse(l.slice(5)) as string[]);
    // `dbt --version`, then the command, each argument intact.
    expect(argvs).toEqual([['--version'], ['build', '--target', 'prod', '--select', 'fct_events; rm -rf /']]);
    expect((await run(['dbt', 'build', '--fail'])).code).toBe(3);
    for (const bad of [['rm', '-rf', '/'], 'dbt build', ['dbt'], ['dbt', 1]]) {
      const refused = await run(bad);
      expect(refused.code, JSON.stringify(bad)).not.toBe(0);
      expect(refused.out).not.toMatch(/ARGV=\[(?!"--version")/);
    }
    expect((await run(['rm', '-rf', '/'])).out).toContain(
      'DBT_COMMAND must be a JSON list of strings starting with dbt',
    );
  });
});

describe('transform IAM (least privilege)', () => {
  it('the state machine may start, stop and read only its project, plus the .sync rule, the topic, the key', () => {
    for (const stack of pipelines) {
      const n = new Naming(loadConfig(stack.env, { env: {}, localDir: '/nonexistent' }));
      const [projectId] = single(stack, 'aws_codebuild_project');
      const statements = roleStatements(stack, n.name('transform-sfn'));
      expect(statements.map((s) => s.sid)).toEqual([
        'RunBuild',
        'SyncRule',
        'DataKey',
        'Alerts',
        'LogDelivery',
        'XRay',
      ]);
      expect(statements[0]).toMatchObject({
        actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
        resources: [`\${aws_codebuild_project.${projectId}.arn}`],
      });
      expect(statements[1]).toMatchObject({
        actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        resources: [`arn:aws:events:${n.region}:${n.account}:rule/StepFunctionsGetEventForCodeBuildStartBuildRule`],
      });
      expect(statements[3]?.resources).toEqual([n.arn('sns', n.resources.alertTopic)]);
    }
  });

  it('the build reads its source and the processed tables, writes only curated/, results/ and dbt’s databases', () => {
    for (const stack of pipelines) {
      const n = new Naming(loadConfig(stack.env, { env: {}, localDir: '/nonexistent' }));
      const r = n.resources;
      const statements = roleStatements(stack, n.name('dbt-build'));
      const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
      const lake = n.bucketArn(r.lakeBucket);
      const writes = statements.filter((s) => s.actions.some((a) => /^s3:(Put|Delete)/.test(a)));
      expect(writes.flatMap((s) => s.resources).sort()).toEqual(
        [`${lake}/curated/*`, `${n.bucketArn(r.athenaResultsBucket)}/results/*`].sort(),
      );
      expect(bySid.ProcessedReadGet?.resources).toEqual([`${lake}/iceberg/${n.database('processed')}/*`]);
      expect(bySid.SourceGet?.resources).toEqual([
        expect.stringMatching(new RegExp(`^${n.bucketArn(r.artifactsBucket)}/\\$\\{aws_s3_object\\.[^.]+\\.key\\}$`)),
      ]);
      const glueWrites = statements.filter((s) =>
        s.actions.some((a) => /^glue:(Create|Update|Delete|BatchDelete)/.test(a)),
      );
      expect(glueWrites.map((s) => s.sid)).toEqual(['WriteDbtCatalog']);
      const dbs = (glueWrites[0]?.resources ?? []).filter((a) => a.includes(':database/')).map((a) => a.split('/')[1]);
      const prefix = `lakehouse_${stack.env}`;
      expect(dbs).toEqual([prefix, ...DBT_SCHEMAS.map((s) => `${prefix}_${s}`)]);
      // Nothing of the raw, processed or curated databases the crawlers and the processor own.
      for (const layer of ['raw', 'processed', 'curated'] as const) expect(dbs).not.toContain(n.database(layer));
      expect(bySid.AthenaQueries?.resources).toEqual([n.arn('athena', `workgroup/${r.workgroup}`)]);
      expect(bySid.Logs?.resources).toEqual([expect.stringMatching(/aws_cloudwatch_log_group\..*\.arn\}:\*$/)]);
    }
  });

  it('outputs the transform state machine ARN as the Airflow Variable', () => {
    for (const stack of pipelines) {
      const output = stack.json.output?.transform_state_machine_arn as { value: string; description: string };
      const [id] = single(stack, 'aws_sfn_state_machine', (b) => b.name === `lakehouse-${stack.env}-transform`);
      expect(output.value).toBe(`\${aws_sfn_state_machine.${id}.arn}`);
      expect(output.description).toContain('lakehouse_transform_state_machine_arn');
    }
    expect(ENVIRONMENTS.length).toBe(pipelines.length);
  });

  it('alarms on failed and timed-out transform executions, like the pipeline’s, to the alert topic', () => {
    for (const stack of pipelines) {
      const [transformId] = single(
        stack,
        'aws_sfn_state_machine',
        (b) => b.name === `lakehouse-${stack.env}-transform`,
      );
      const [topicId] = single(stack, 'aws_sns_topic');
      for (const [metric, suffix] of [
        ['ExecutionsFailed', 'failed'],
        ['ExecutionsTimedOut', 'timed-out'],
      ] as const) {
        const pipelineArn = new Naming(loadConfig(stack.env, { env: {}, localDir: '/nonexistent' })).arn(
          'states',
          `stateMachine:lakehouse-${stack.env}-pipeline`,
        );
        for (const [machine, arn] of [
          ['transform', `\${aws_sfn_state_machine.${transformId}.arn}`],
          ['pipeline', pipelineArn],
        ] as const) {
          const [, alarm] = single(
            stack,
            'aws_cloudwatch_metric_alarm',
            (b) => b.alarm_name === `lakehouse-${stack.env}-${machine}-${suffix}`,
          );
          expect(alarm.metric_name).toBe(metric);
          expect(alarm.namespace).toBe('AWS/States');
          expect((alarm.dimensions as { StateMachineArn: string }).StateMachineArn).toBe(arn);
          expect(alarm.alarm_actions).toEqual([`\${aws_sns_topic.${topicId}.arn}`]);
        }
      }
    }
  });
});
