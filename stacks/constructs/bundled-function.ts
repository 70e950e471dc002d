import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { App, AssetType, Fn, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { logsWrite } from '../lib/grants.ts';
import { ServiceRole, type PolicyStatement } from '../lib/iam.ts';
import type { Naming } from '../lib/naming.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The newest Node runtime hashicorp/aws 5.100.0 accepts (terraform validate rejects nodejs24.x). */
export const LAMBDA_RUNTIME = 'nodejs22.x';

export class MissingEntryError extends Error {
  constructor(name: string, entry: string) {
    super(`Lambda ${name}: entry ${entry} does not exist; set ingestion.*Entry in stacks/config to a handler file`);
    this.name = 'MissingEntryError';
  }
}

export interface BundledFunctionProps {
  readonly naming: Naming;
  /** Short name: the function is `lakehouse-<env>-<name>`. */
  readonly name: string;
  /** TypeScript entry exporting `handler`, relative to the repo root or absolute. */
  readonly entry: string;
  readonly description: string;
  readonly artifactsBucket: string;
  readonly kmsKeyArn: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly statements: readonly PolicyStatement[];
  readonly reservedConcurrency?: number;
  readonly xrayTracing: boolean;
  /** Folder for the bundles (default `<app outdir>/bundles`, next to the synthesized stacks). */
  readonly outDir?: string;
}

/**
 * A Lambda whose code is bundled by esbuild at synth (one ESM file, node22, arm64 runtime), uploaded to the
 * artifacts bucket as a content-addressed object, with its own log group and a scoped role.
 */
export class BundledFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const { naming } = props;
    this.functionName = naming.name(props.name);
    const entry = isAbsolute(props.entry) ? props.entry : join(REPO_ROOT, props.entry);
    if (!existsSync(entry)) throw new MissingEntryError(this.functionName, props.entry);
    const outDir = join(props.outDir ?? join(App.of(this).outdir, 'bundles'), this.functionName);
    mkdirSync(outDir, { recursive: true });
    buildSync({
      entryPoints: [entry],
      outfile: join(outDir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'error',
      // ESM bundles of CommonJS dependencies need a real `require` (and __dirname for a few AWS SDK paths).
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
      },
    });
    const asset = new TerraformAsset(this, 'code', { path: outDir, type: AssetType.ARCHIVE });
    const object = new S3Object(this, 'artifact', {
      bucket: props.artifactsBucket,
      key: `lambda/${this.functionName}/${asset.assetHash}.zip`,
      source: asset.path,
      sourceHash: asset.assetHash,
      kmsKeyId: props.kmsKeyArn,
      serverSideEncryption: 'aws:kms',
    });
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.role = new ServiceRole(this, 'role', {
      name: this.functionName,
      service: 'lambda.amazonaws.com',
      statements: [
        logsWrite('Logs', this.logGroup.arn),
        ...props.statements,
        ...(props.xrayTracing
          ? [
              {
                sid: 'XRay',
                actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
                // X-Ray trace APIs support no resource-level permissions.
                resources: ['*'],
              },
            ]
          : []),
      ],
    });
    this.function = new LambdaFunction(this, 'function', {
      functionName: this.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ['arm64'],
      handler: 'index.handler',
      s3Bucket: object.bucket,
      s3Key: object.key,
      sourceCodeHash: Fn.filebase64sha256(asset.path),
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      kmsKeyArn: props.kmsKeyArn,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: {
        variables: {
          // Powertools-style structured logs: JSON lines with service name and level, read by log insights.
          POWERTOOLS_SERVICE_NAME: this.functionName,
          LAKEHOUSE_LOG_LEVEL: 'info',
          ...props.environment,
        },
      },
      loggingConfig: {
        logFormat: 'JSON',
        logGroup: this.logGroup.name,
        applicationLogLevel: 'INFO',
        systemLogLevel: 'WARN',
      },
      tracingConfig: { mode: props.xrayTracing ? 'Active' : 'PassThrough' },
      dependsOn: [this.role.policy, this.logGroup],
    });
  }

  get arn(): string {
    return this.function.arn;
  }
}
