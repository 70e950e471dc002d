// Configuration (defaults, validation, overrides) and the esbuild bundling construct.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { loadConfig, selectedEnvironments } from '../../stacks/config/load.ts';
import { ENVIRONMENTS } from '../../stacks/config/types.ts';
import { ConfigError } from '../../stacks/config/validate.ts';
import { BundledFunction, MissingEntryError } from '../../stacks/constructs/bundled-function.ts';
import { Naming } from '../../stacks/lib/naming.ts';
import { tempDir } from '../helpers/tmp.ts';

const noLocal = tempDir('lakehouse-config-');
const load = (env: 'dev' | 'staging' | 'prod', vars: NodeJS.ProcessEnv = {}, localDir = noLocal) =>
  loadConfig(env, { env: vars, localDir });

describe('configuration', () => {
  it('every committed environment is valid; dev uses the ros-sandbox profile and the real handlers', () => {
    for (const env of ENVIRONMENTS) expect(load(env).environment).toBe(env);
    const dev = load('dev');
    expect(dev.profile).toBe('ros-sandbox');
    expect(dev.ingestion.ingestEntry).toBe('src/handlers/ingest-api.ts');
    expect(dev.ingestion.processorEntry).toBe('src/handlers/stream-processor.ts');
    expect(load('prod').storage.forceDestroy).toBe(false);
    expect(load('prod').orchestration.natGateways).toBe(2);
  });

  it('environment variables override account, region, profile, alert e-mails and any key through CONFIG_JSON', () => {
    const config = load('dev', {
      LAKEHOUSE_DEV_ACCOUNT: '999999999999',
      LAKEHOUSE_DEV_REGION: 'us-west-2',
      LAKEHOUSE_DEV_PROFILE: 'none',
      LAKEHOUSE_DEV_ALERT_EMAILS: 'a@example.com, b@example.com',
      LAKEHOUSE_DEV_CONFIG_JSON: '{"ingestion":{"shardCount":4}}',
      LAKEHOUSE_PROD_ACCOUNT: '888888888888', // another environment's variable changes nothing here
    });
    expect(config).toMatchObject({ account: '999999999999', region: 'us-west-2' });
    expect(config.profile).toBeUndefined();
    expect(config.monitoring.alertEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(config.ingestion.shardCount).toBe(4);
    expect(config.ingestion.batchSize).toBe(load('dev').ingestion.batchSize);
  });

  it('a local.<env>.json file overrides the committed values, and env vars override the file', () => {
    const dir = tempDir('lakehouse-local-');
    writeFileSync(join(dir, 'local.staging.json'), JSON.stringify({ account: '444444444444', tags: { owner: 'me' } }));
    expect(load('staging', {}, dir)).toMatchObject({
      account: '444444444444',
      tags: { owner: 'me', costCenter: 'data-platform' },
    });
    expect(load('staging', { LAKEHOUSE_STAGING_ACCOUNT: '555555555555' }, dir).account).toBe('555555555555');
    writeFileSync(join(dir, 'local.prod.json'), '{ not json');
    expect(() => load('prod', {}, dir)).toThrow(/local\.prod\.json/);
  });

  it('rejects bad values with every problem named', () => {
    const error = (() => {
      try {
        load('dev', {
          LAKEHOUSE_DEV_ACCOUNT: '1234',
          LAKEHOUSE_DEV_ALERT_EMAILS: 'not-an-email',
          LAKEHOUSE_DEV_CONFIG_JSON: JSON.stringify({
            logRetentionDays: 10,
            ingestion: { batchSize: 0 },
            storage: { glacierAfterDays: 1 },
          }),
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/account must be a 12-digit AWS account id, got "1234"/);
    expect(problems).toMatch(/alertEmails has an invalid address "not-an-email"/);
    expect(problems).toMatch(/logRetentionDays must be one of CloudWatch's values/);
    expect(problems).toMatch(/ingestion\.batchSize must be an integer in \[1, 10000\], got 0/);
    expect(problems).toMatch(/glacierAfterDays must be after/);
    expect(() => load('dev', { LAKEHOUSE_DEV_MWAA: 'maybe' })).toThrow(/LAKEHOUSE_DEV_MWAA must be true or false/);
  });

  it('the dbt build settings: defaults per environment, bounds that keep a build inside the DAG’s 3-hour wait', () => {
    expect(load('dev').transform).toEqual({ computeType: 'BUILD_GENERAL1_SMALL', buildTimeoutMinutes: 60 });
    expect(load('prod').transform.buildTimeoutMinutes).toBe(120);
    const json = JSON.stringify({ transform: { computeType: 'BUILD_GENERAL2_HUGE', buildTimeoutMinutes: 151 } });
    expect(() => load('dev', { LAKEHOUSE_DEV_CONFIG_JSON: json })).toThrow(
      /transform\.computeType must be BUILD_GENERAL1_SMALL, _MEDIUM or _LARGE, got "BUILD_GENERAL2_HUGE"[\s\S]*transform\.buildTimeoutMinutes must be an integer in \[5, 150\], got 151/,
    );
  });

  it('LAKEHOUSE_ENVS narrows the environments and rejects unknown names', () => {
    expect(selectedEnvironments({})).toEqual(['dev', 'staging', 'prod']);
    expect(selectedEnvironments({ LAKEHOUSE_ENVS: 'dev, prod' })).toEqual(['dev', 'prod']);
    expect(() => selectedEnvironments({ LAKEHOUSE_ENVS: 'qa' })).toThrow(/unknown environments/);
  });

  it('the naming helper keeps bucket names within S3 limits', () => {
    const naming = new Naming({
      project: 'lakehouse',
      environment: 'staging',
      account: '123456789012',
      region: 'ap-southeast-2',
    });
    expect(naming.resources.athenaResultsBucket.length).toBeLessThanOrEqual(63);
    expect(naming.database('raw')).toBe('lakehouse_staging_raw');
  });
});

describe('BundledFunction', () => {
  const props = (entry: string, outDir: string) => ({
    naming: new Naming(load('dev')),
    name: 'hello',
    entry,
    description: 'test',
    artifactsBucket: 'artifacts',
    kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/x',
    memoryMb: 128,
    timeoutSeconds: 3,
    logRetentionDays: 7,
    environment: {},
    statements: [],
    xrayTracing: false,
    outDir,
  });

  it('bundles an entry into one ESM file that Node loads and whose handler runs', async () => {
    const out = tempDir('lakehouse-bundle-');
    const stack = new TerraformStack(new App({ outdir: out }), 'bundle-test');
    new BundledFunction(stack, 'fn', props('test/stacks/fixtures/hello-handler.ts', join(out, 'bundles')));
    const dir = join(out, 'bundles', 'lakehouse-dev-hello');
    expect(readdirSync(dir)).toEqual(['index.mjs']);
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('../../../package.json');
    const mod = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as {
      handler: (e: { name: string }) => Promise<{ greeting: string; project: string }>;
    };
    await expect(mod.handler({ name: 'lambda' })).resolves.toMatchObject({
      greeting: 'hello lambda',
      project: 'lakehouse',
    });
  });

  it('the real ingest handler bundles and loads (its CommonJS dependencies need the require banner)', async () => {
    const out = tempDir('lakehouse-bundle-');
    const stack = new TerraformStack(new App({ outdir: out }), 'bundle-real');
    new BundledFunction(stack, 'fn', { ...props('src/handlers/ingest-api.ts', join(out, 'bundles')), name: 'ingest' });
    const mod = (await import(pathToFileURL(join(out, 'bundles', 'lakehouse-dev-ingest', 'index.mjs')).href)) as {
      handler: unknown;
    };
    expect(typeof mod.handler).toBe('function');
  });

  it('fails with a clear error when the entry does not exist', () => {
    const stack = new TerraformStack(new App({ outdir: tempDir('lakehouse-bundle-') }), 'missing');
    expect(() => new BundledFunction(stack, 'fn', props('src/handlers/nope.ts', join(noLocal, 'b')))).toThrow(
      MissingEntryError,
    );
    expect(() => new BundledFunction(stack, 'fn2', props('src/handlers/nope.ts', join(noLocal, 'b')))).toThrow(
      /lakehouse-dev-hello: entry src\/handlers\/nope\.ts does not exist/,
    );
  });
});
