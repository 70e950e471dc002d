// Real Terraform against the synthesized stacks: the provider comes from a filesystem mirror (no network), and a
// missing binary or mirror is a failure with a clear message, never a skip.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../../helpers/tmp.ts';

const run = promisify(execFile);

export const AWS_PROVIDER_VERSION = '5.100.0';

export interface Terraform {
  readonly binary: string;
  readonly pluginDir: string;
  readonly cliConfig: string;
  /** Runs terraform in a folder; rejects with stdout+stderr on a non-zero exit. */
  exec(cwd: string, args: readonly string[]): Promise<string>;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function terraform(): Terraform {
  const binary = process.env.LAKEHOUSE_TERRAFORM ?? onPath('terraform');
  if (!binary || !existsSync(binary))
    throw new Error(
      'terraform is not installed (looked on PATH and at $LAKEHOUSE_TERRAFORM): install Terraform >= 1.7 to run the stacks tests',
    );
  const pluginDir = process.env.LAKEHOUSE_TF_PLUGIN_DIR ?? '/opt/tf-plugins';
  const providerDir = join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws', AWS_PROVIDER_VERSION);
  if (!existsSync(providerDir))
    throw new Error(
      `no hashicorp/aws ${AWS_PROVIDER_VERSION} in the provider mirror ${pluginDir} (expected ${providerDir}); ` +
        'set LAKEHOUSE_TF_PLUGIN_DIR or fill it with `terraform providers mirror <dir>` in a folder that requires the provider',
    );
  const cliConfig = join(tempDir('lakehouse-tfrc-'), 'terraformrc');
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(pluginDir)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
  };
  delete env.TF_PLUGIN_CACHE_DIR;
  return {
    binary,
    pluginDir,
    cliConfig,
    exec: async (cwd, args) => {
      try {
        const { stdout } = await run(binary, ['-chdir=' + cwd, ...args], { env, maxBuffer: 256 * 1024 * 1024 });
        return stdout;
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`terraform ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, {
          cause: error,
        });
      }
    },
  };
}

interface SchemaAttribute {
  readonly type?: unknown;
  readonly computed?: boolean;
  readonly optional?: boolean;
}
export interface ProviderSchema {
  readonly resource_schemas: Record<string, { block: { attributes?: Record<string, SchemaAttribute> } }>;
}

/** The provider's schema, read through a scratch configuration (used to give mocks realistic ARNs). */
export async function providerSchema(tf: Terraform): Promise<ProviderSchema> {
  const dir = tempDir('lakehouse-tfschema-');
  writeFileSync(
    join(dir, 'main.tf'),
    `terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "${AWS_PROVIDER_VERSION}" }\n  }\n}\n`,
  );
  await tf.exec(dir, ['init', '-input=false', '-no-color']);
  const out = JSON.parse(await tf.exec(dir, ['providers', 'schema', '-json'])) as {
    provider_schemas: Record<string, ProviderSchema>;
  };
  const schema = out.provider_schemas['registry.terraform.io/hashicorp/aws'];
  if (!schema) throw new Error('provider schema has no registry.terraform.io/hashicorp/aws');
  return schema;
}
