import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types.ts';
import { Naming } from './naming.ts';

export interface LakehouseStackProps {
  readonly config: EnvironmentConfig;
  /** Short part of the stack name: `lakehouse-<env>-<part>`. */
  readonly part: string;
  /** The bootstrap stack keeps local state: it creates the bucket every other stack's state lives in. */
  readonly localState?: boolean;
}

/** A stack with the environment's provider (account pinned, default tags) and its S3 state backend with locking. */
export class LakehouseStack extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly naming: Naming;

  constructor(scope: Construct, props: LakehouseStackProps) {
    const naming = new Naming(props.config);
    super(scope, naming.stack(props.part));
    this.config = props.config;
    this.naming = naming;
    const { config } = props;
    new AwsProvider(this, 'aws', {
      region: config.region,
      ...(config.profile ? { profile: config.profile } : {}),
      // A wrong profile must fail the plan, not deploy into another account.
      allowedAccountIds: [config.account],
      defaultTags: [{ tags: defaultTags(config) }],
    });
    if (props.localState) {
      new LocalBackend(this, { path: localStatePath(this.naming.stack(props.part)) });
    } else {
      const backend = new S3Backend(this, {
        bucket: naming.stateBucket,
        key: `${naming.stack(props.part)}/terraform.tfstate`,
        region: config.region,
        encrypt: true,
        ...(config.profile ? { profile: config.profile } : {}),
      });
      // cdktf 0.21 predates S3-native locking; the escape hatch writes `use_lockfile = true` (no DynamoDB table).
      backend.addOverride('use_lockfile', true);
    }
  }

  output(id: string, value: string, description: string): TerraformOutput {
    return new TerraformOutput(this, id, { value, description });
  }
}

/** Folder at the repo root (git-ignored) that holds the bootstrap stacks' local state, outside `cdktf.out/`. */
export const LOCAL_STATE_DIR = 'state';

/**
 * The bootstrap stack's state file, relative to the folder Terraform runs in (`cdktf.out/stacks/<stack>/`, as
 * `cdktf deploy` runs it): `state/<stack>.tfstate` at the repo root, so `rm -rf cdktf.out` or a fresh synth never
 * touches it. Relative, so the synthesized configuration is the same on every machine.
 */
export function localStatePath(stack: string): string {
  return `../../../${LOCAL_STATE_DIR}/${stack}.tfstate`;
}

export function defaultTags(config: EnvironmentConfig): Record<string, string> {
  return {
    ...config.tags.extra,
    project: config.project,
    environment: config.environment,
    owner: config.tags.owner,
    'cost-center': config.tags.costCenter,
    'managed-by': 'cdktf',
  };
}
