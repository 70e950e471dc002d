// Snapshots of every synthesized stack and properties that must hold in every environment.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { ENVIRONMENTS } from '../../stacks/config/types.ts';
import { JOBS_TTL_ATTRIBUTE, jobsTableDefinition, runsTableDefinition } from '../../src/metadata/dynamodb.ts';
import { taskStates } from '../../stacks/workflow/pipeline-definition.ts';
import type { StateMachineDefinition } from '../../stacks/workflow/asl.ts';
import { blocks, ofType, synthAll, type TfJson } from './helpers/synth.ts';

const { stacks } = synthAll();

// Asset hashes change with every edit under src/ or dags/; the snapshot shows where they go, not their value.
function normalized(json: TfJson): string {
  return JSON.stringify(json, null, 2).replace(/\b[0-9A-F]{32}\b/g, '<asset-hash>') + '\n';
}

describe('synthesized stacks', () => {
  it('are the four stacks of every environment, named lakehouse-<env>-<part>', () => {
    const names = stacks.map((s) => s.name).sort();
    const expected = ENVIRONMENTS.flatMap((env) =>
      ['bootstrap', 'data', 'orchestration', 'pipeline'].map((p) => `lakehouse-${env}-${p}`),
    ).sort();
    expect(names).toEqual(expected);
  });

  for (const stack of stacks)
    it(`${stack.name} matches its snapshot`, async () => {
      await expect(normalized(stack.json)).toMatchFileSnapshot(`__snapshots__/${stack.name}.tf.json`);
    });
});

describe('cdktf synth (the CLI users run)', () => {
  it('synthesizes every environment in under 60 s', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lakehouse-cdktf-cli-'));
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LAKEHOUSE_')));
      const started = Date.now();
      await promisify(execFile)(resolve('node_modules/.bin/cdktf'), ['synth', '--output', out], {
        env: { ...env, CHECKPOINT_DISABLE: '1', CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1' },
        maxBuffer: 64 * 1024 * 1024,
      });
      const seconds = (Date.now() - started) / 1000;
      expect(seconds).toBeLessThan(60);
      expect(readdirSync(join(out, 'stacks')).sort()).toEqual(stacks.map((s) => s.name).sort());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('properties over every environment', () => {
  it('the provider pins the account and sets default tags (project, environment, owner, cost-center)', () => {
    for (const stack of stacks) {
      const provider = stack.json.provider?.aws?.[0] as
        { allowed_account_ids: string[]; default_tags: { tags: Record<string, string> }[] } | undefined;
      expect(provider, stack.name).toBeDefined();
      expect(provider?.allowed_account_ids).toHaveLength(1);
      const tags = provider?.default_tags[0]?.tags ?? {};
      expect(tags).toMatchObject({ project: 'lakehouse', environment: stack.env });
      expect(tags.owner).toBeTruthy();
      expect(tags['cost-center']).toBeTruthy();
    }
  });

  it('dev uses the ros-sandbox profile; remote state is S3 with lockfile locking except for bootstrap', () => {
    for (const stack of stacks) {
      const provider = stack.json.provider?.aws?.[0] as { profile?: string };
      expect(provider.profile, stack.name).toBe(stack.env === 'dev' ? 'ros-sandbox' : undefined);
      const backend = stack.json.terraform?.backend ?? {};
      if (stack.part === 'bootstrap') expect(Object.keys(backend)).toEqual(['local']);
      else
        expect(backend.s3).toMatchObject({
          bucket: expect.stringMatching(new RegExp(`^lakehouse-${stack.env}-tfstate-\\d{12}-`)),
          key: `${stack.name}/terraform.tfstate`,
          encrypt: true,
          use_lockfile: true,
        });
    }
  });

  it('every bucket is versioned, public-blocked and KMS-encrypted (access logs: SSE-S3, the only kind S3 logging writes)', () => {
    let buckets = 0;
    for (const stack of stacks) {
      const ref = (id: string) => `\${aws_s3_bucket.${id}.id}`;
      for (const [id, bucket] of ofType(stack.json, 'aws_s3_bucket')) {
        buckets++;
        const versioning = ofType(stack.json, 'aws_s3_bucket_versioning').find(([, b]) => b.bucket === ref(id));
        expect(versioning?.[1].versioning_configuration, `${stack.name} ${id}`).toEqual({ status: 'Enabled' });
        const block = ofType(stack.json, 'aws_s3_bucket_public_access_block').find(([, b]) => b.bucket === ref(id));
        expect(block?.[1], `${stack.name} ${id}`).toMatchObject({
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        });
        const sse = ofType(stack.json, 'aws_s3_bucket_server_side_encryption_configuration').find(
          ([, b]) => b.bucket === ref(id),
        );
        const rule = (sse?.[1].rule as { apply_server_side_encryption_by_default: Record<string, string> }[])[0];
        const byDefault = rule?.apply_server_side_encryption_by_default;
        if (String(bucket.bucket).includes('-access-logs-')) expect(byDefault).toEqual({ sse_algorithm: 'AES256' });
        else {
          expect(byDefault?.sse_algorithm, `${stack.name} ${id}`).toBe('aws:kms');
          expect(byDefault?.kms_master_key_id).toMatch(/^\$\{aws_kms_key\./);
        }
        expect(bucket.force_destroy, `${stack.name} ${id}`).toBe(stack.env === 'dev' && stack.part !== 'bootstrap');
      }
    }
    expect(buckets).toBe(ENVIRONMENTS.length * 6);
  });

  it('the lake bucket denies non-TLS requests and non-KMS puts, and logs access', () => {
    for (const stack of stacks.filter((s) => s.part === 'data')) {
      const docs = ofType(stack.json, 'aws_iam_policy_document', 'data');
      const lake = docs.find(([id]) => id.startsWith('storage_lake_policy-document'))?.[1] as {
        statement: { sid: string; effect: string; condition: { variable: string }[] }[];
      };
      const sids = lake.statement.map((s) => `${s.effect}:${s.sid}:${s.condition[0]?.variable}`);
      expect(sids).toEqual([
        'Deny:DenyInsecureTransport:aws:SecureTransport',
        'Deny:DenyNonKmsPuts:s3:x-amz-server-side-encryption',
      ]);
      const logged = ofType(stack.json, 'aws_s3_bucket_logging').map(([, b]) => b.bucket);
      expect(logged).toHaveLength(4);
    }
  });

  it('every bucket policy denies every S3 action (s3:*) over plain HTTP, on the bucket and its objects', () => {
    let policies = 0;
    for (const stack of stacks) {
      const docs = Object.fromEntries(ofType(stack.json, 'aws_iam_policy_document', 'data'));
      for (const [id, policy] of ofType(stack.json, 'aws_s3_bucket_policy')) {
        policies++;
        const docId = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(String(policy.policy))?.[1] ?? '';
        const bucketId = /^\$\{aws_s3_bucket\.([^.]+)\.id\}$/.exec(String(policy.bucket))?.[1] ?? '';
        const arn = `\${aws_s3_bucket.${bucketId}.arn}`;
        const statements = (docs[docId]?.statement ?? []) as { sid: string }[];
        expect(
          statements.find((s) => s.sid === 'DenyInsecureTransport'),
          `${stack.name} ${id}`,
        ).toEqual({
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [arn, `${arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        });
      }
    }
    // Every bucket has a policy: the five of the data stack and the state bucket, per environment.
    expect(policies).toBe(ENVIRONMENTS.length * 6);
  });

  it('every Task state has Retry (specific errors first, jittered, capped) and Catch', () => {
    let tasks = 0;
    const machines = stacks
      .filter((s) => s.part === 'pipeline')
      .flatMap((s) => ofType(s.json, 'aws_sfn_state_machine').map(([, machine]) => machine));
    // The pipeline and the transform (dbt build) of every environment.
    expect(machines.map((m) => m.name).sort()).toEqual(
      ENVIRONMENTS.flatMap((env) => [`lakehouse-${env}-pipeline`, `lakehouse-${env}-transform`]).sort(),
    );
    for (const machine of machines) {
      const definition = JSON.parse(machine.definition as string) as StateMachineDefinition;
      for (const [name, task] of taskStates(definition)) {
        tasks++;
        expect(task.Retry.length, name).toBeGreaterThan(0);
        expect(task.Catch.length, name).toBeGreaterThan(0);
        const first = task.Retry[0];
        expect(first?.ErrorEquals, name).not.toContain('States.ALL');
        for (const r of task.Retry) {
          expect(r.JitterStrategy, name).toBe('FULL');
          expect(r.MaxDelaySeconds, name).toBeGreaterThan(0);
        }
      }
      expect(machine).toMatchObject({ type: 'STANDARD', tracing_configuration: { enabled: true } });
      expect(machine.logging_configuration).toMatchObject({ include_execution_data: true, level: 'ERROR' });
    }
    // Pipeline: 5 in the main flow + start/get for each of the 2 crawlers; transform: the build and the alert.
    expect(tasks).toBe(ENVIRONMENTS.length * (9 + 2));
  });

  it('every named resource is named by the helper (lakehouse-<env>… or lakehouse_<env>…)', () => {
    const NAME_KEYS = ['name', 'bucket', 'function_name', 'alarm_name', 'dashboard_name', 'workgroup'];
    // API Gateway's auto-deployed stage must be called `$default`.
    const EXEMPT = new Set(['aws_apigatewayv2_stage.name']);
    let checked = 0;
    for (const stack of stacks)
      for (const [type, id, body] of blocks(stack.json)) {
        for (const key of NAME_KEYS) {
          const value = body[key];
          if (typeof value !== 'string' || value.startsWith('${') || EXEMPT.has(`${type}.${key}`)) continue;
          checked++;
          expect(value, `${stack.name} ${type}.${id}.${key}`).toMatch(
            new RegExp(`lakehouse[-_]${stack.env}[-_]|^alias/lakehouse-${stack.env}-`),
          );
        }
      }
    expect(checked).toBeGreaterThan(150);
  });

  it('IAM: wildcard actions only in the TLS Deny; Resource "*" only in statements AWS requires it for', () => {
    // Statement ids allowed a "*" resource, each with the reason (also commented where the statement is built).
    const STAR_ALLOWED: Record<string, string> = {
      AccountAdministersAndDelegates: 'key policy: "*" is the key itself',
      CloudWatchLogsEncryptsEnvironmentLogGroups: 'key policy: "*" is the key itself',
      AlarmsPublishToEncryptedTopic: 'key policy: "*" is the key itself',
      DenyInsecureTransport: 'principal "*" in a Deny; resources are the bucket',
      DenyNonKmsPuts: 'principal "*" in a Deny; resources are the bucket',
      ReadSecurityConfiguration: 'glue:GetSecurityConfiguration has no resource-level permissions',
      LogDelivery: 'CloudWatch Logs vended delivery APIs have no resource-level permissions',
      XRay: 'X-Ray trace APIs have no resource-level permissions',
      MetricsAndLogGroups: 'cloudwatch:PutMetricData and logs:DescribeLogGroups have no resource-level permissions',
      CheckAccountPublicAccess: 's3:GetAccountPublicAccessBlock is account-level, with no resource type',
    };
    let statements = 0;
    for (const stack of stacks)
      for (const [, id, body] of blocks(stack.json, 'data').filter(([type]) => type === 'aws_iam_policy_document')) {
        for (const s of body.statement as {
          sid: string;
          effect: string;
          actions: string[];
          resources?: string[];
          not_resources?: string[];
        }[]) {
          statements++;
          // A Deny may (and the TLS one must) cover every action; an Allow names each one.
          if (s.sid === 'DenyInsecureTransport') expect(s.effect).toBe('Deny');
          else for (const action of s.actions) expect(action, `${stack.name} ${id} ${s.sid}`).not.toContain('*');
          if (s.resources?.includes('*')) expect(STAR_ALLOWED, `${stack.name} ${id} ${s.sid}`).toHaveProperty(s.sid);
          // NotResource only for MWAA's Celery queues, whose AWS-owned key lives in another account.
          if (s.not_resources) expect(s.sid, `${stack.name} ${id}`).toBe('CeleryQueueKey');
        }
      }
    expect(statements).toBeGreaterThan(100);
    // Inline policies only come from the documents checked above.
    for (const stack of stacks)
      for (const [id, body] of ofType(stack.json, 'aws_iam_role_policy'))
        expect(body.policy, id).toMatch(/^\$\{data\.aws_iam_policy_document\.[^.]+\.json\}$/);
  });

  it('Lambdas run nodejs22.x on arm64 with JSON logs; the processor mapping bisects, retries 3 times, reports item failures', () => {
    for (const stack of stacks.filter((s) => s.part === 'pipeline')) {
      const functions = ofType(stack.json, 'aws_lambda_function');
      expect(functions).toHaveLength(2);
      for (const [, fn] of functions) {
        expect(fn).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler' });
        expect(fn.logging_config).toMatchObject({ log_format: 'JSON' });
      }
      const [[, mapping] = ['', {}]] = ofType(stack.json, 'aws_lambda_event_source_mapping');
      expect(mapping).toMatchObject({
        bisect_batch_on_function_error: true,
        maximum_retry_attempts: 3,
        function_response_types: ['ReportBatchItemFailures'],
      });
      expect(mapping.destination_config).toMatchObject({
        on_failure: { destination_arn: expect.stringMatching(/aws_sqs_queue/) },
      });
    }
  });

  it('every log group has a retention and the data key; DynamoDB tables use the key and PITR', () => {
    for (const stack of stacks) {
      for (const [id, group] of ofType(stack.json, 'aws_cloudwatch_log_group')) {
        expect(group.retention_in_days, `${stack.name} ${id}`).toBeGreaterThan(0);
        expect(group.kms_key_id, `${stack.name} ${id}`).toBeTruthy();
      }
      for (const [id, table] of ofType(stack.json, 'aws_dynamodb_table'))
        expect(table, `${stack.name} ${id}`).toMatchObject({
          billing_mode: 'PAY_PER_REQUEST',
          point_in_time_recovery: { enabled: true },
          server_side_encryption: { enabled: true, kms_key_arn: expect.stringMatching(/aws_kms_key/) },
        });
    }
  });

  it('the DynamoDB tables have the key schema the metadata store (src/metadata/dynamodb.ts) uses', () => {
    for (const stack of stacks.filter((s) => s.part === 'data')) {
      const tables = Object.fromEntries(ofType(stack.json, 'aws_dynamodb_table').map(([, t]) => [String(t.name), t]));
      const check = (name: string, expected: CreateTableCommandInput) => {
        const table = tables[name] as {
          hash_key: string;
          range_key?: string;
          attribute: { name: string; type: string }[];
          global_secondary_index?: { name: string; hash_key: string; range_key: string }[];
        };
        const keys = Object.fromEntries((expected.KeySchema ?? []).map((k) => [k.KeyType, k.AttributeName]));
        expect(table.hash_key, name).toBe(keys.HASH);
        expect(table.range_key, name).toBe(keys.RANGE);
        expect(table.attribute.map((a) => `${a.name}:${a.type}`).sort()).toEqual(
          (expected.AttributeDefinitions ?? []).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
        );
        expect((table.global_secondary_index ?? []).map((g) => `${g.name}(${g.hash_key},${g.range_key})`)).toEqual(
          (expected.GlobalSecondaryIndexes ?? []).map((g) => {
            const k = Object.fromEntries((g.KeySchema ?? []).map((x) => [x.KeyType, x.AttributeName]));
            return `${g.IndexName}(${k.HASH},${k.RANGE})`;
          }),
        );
      };
      check(`lakehouse-${stack.env}-runs`, runsTableDefinition(`lakehouse-${stack.env}-runs`));
      check(`lakehouse-${stack.env}-jobs`, jobsTableDefinition(`lakehouse-${stack.env}-jobs`));
      expect(tables[`lakehouse-${stack.env}-jobs`]?.ttl).toEqual({ enabled: true, attribute_name: JOBS_TTL_ATTRIBUTE });
    }
  });

  it('outputs what other tools need', () => {
    const outputs = (part: string) =>
      stacks.filter((s) => s.part === part).map((s) => Object.keys(s.json.output ?? {}).sort());
    for (const keys of outputs('data'))
      expect(keys).toEqual(expect.arrayContaining(['lake_bucket', 'dags_bucket', 'athena_workgroup', 'runs_table']));
    for (const keys of outputs('pipeline'))
      expect(keys).toEqual(
        expect.arrayContaining(['state_machine_arn', 'transform_state_machine_arn', 'api_url', 'stream_name']),
      );
    for (const keys of outputs('orchestration')) expect(keys).toContain('mwaa_webserver_url');
  });
});
