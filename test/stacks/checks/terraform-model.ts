// The synthesized Terraform JSON of one environment, read as AWS would see it after apply: every `${…}` reference
// resolved to the name or ARN the resource gets, every aws_iam_policy_document rendered to the IAM JSON it
// produces. Only what the permission and SQL checks need is modelled; anything else they ask for fails loudly, so
// a new resource type or reference form can never be skipped silently.
import type { EnvironmentName } from '../../../stacks/config/types.ts';
import { blocks, type SynthStack, type TfJson } from '../helpers/synth.ts';

export type Body = Record<string, unknown>;

export interface IamStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: Record<string, string[]> | '*';
  Condition?: Record<string, Record<string, string[]>>;
}
export interface IamPolicy {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

export interface Role {
  readonly name: string;
  readonly arn: string;
  /** The stack and Terraform address that define it, for messages. */
  readonly address: string;
  readonly trust: IamPolicy;
  readonly policies: readonly { readonly name: string; readonly policy: IamPolicy }[];
}

interface Resource {
  readonly stack: SynthStack;
  readonly type: string;
  readonly id: string;
  readonly body: Body;
}

/** How each modelled resource type names itself, by attribute; ARNs follow the service's documented ARN format. */
const ATTRIBUTES: Record<string, (b: Body, m: EnvironmentModel, r: Resource) => Record<string, string>> = {
  aws_s3_bucket: (b) => ({ id: str(b.bucket), bucket: str(b.bucket), arn: `arn:aws:s3:::${str(b.bucket)}` }),
  aws_kms_key: (_b, m, r) => ({ arn: m.arn('kms', `key/${r.stack.part}-${r.id}`), key_id: `${r.stack.part}-${r.id}` }),
  aws_kinesis_stream: (b, m) => ({ name: str(b.name), arn: m.arn('kinesis', `stream/${str(b.name)}`) }),
  aws_sqs_queue: (b, m) => ({
    name: str(b.name),
    arn: m.arn('sqs', str(b.name)),
    url: `https://sqs.${m.region}.amazonaws.com/${m.account}/${str(b.name)}`,
  }),
  aws_sns_topic: (b, m) => ({ name: str(b.name), arn: m.arn('sns', str(b.name)) }),
  aws_cloudwatch_log_group: (b, m) => ({ name: str(b.name), arn: m.arn('logs', `log-group:${str(b.name)}`) }),
  aws_codebuild_project: (b, m) => ({ name: str(b.name), arn: m.arn('codebuild', `project/${str(b.name)}`) }),
  aws_sfn_state_machine: (b, m) => ({ name: str(b.name), arn: m.arn('states', `stateMachine:${str(b.name)}`) }),
  aws_iam_role: (b, m) => ({
    id: str(b.name),
    name: str(b.name),
    arn: `arn:aws:iam::${m.account}:role/${str(b.name)}`,
  }),
  aws_lambda_function: (b, m) => ({
    function_name: str(b.function_name),
    arn: m.arn('lambda', `function:${str(b.function_name)}`),
  }),
  aws_dynamodb_table: (b, m) => ({ name: str(b.name), arn: m.arn('dynamodb', `table/${str(b.name)}`) }),
  aws_glue_catalog_database: (b) => ({ name: str(b.name) }),
  aws_glue_security_configuration: (b) => ({ name: str(b.name) }),
  aws_glue_crawler: (b, m) => ({ name: str(b.name), arn: m.arn('glue', `crawler/${str(b.name)}`) }),
  aws_athena_workgroup: (b, m) => ({ name: str(b.name), arn: m.arn('athena', `workgroup/${str(b.name)}`) }),
  aws_s3_object: (b, m) => ({ key: m.resolveString(str(b.key)), bucket: m.resolveString(str(b.bucket)) }),
};

function str(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string attribute, got ${JSON.stringify(value)}`);
  return value;
}

/** All stacks of one environment, with references resolved across them (the data key is looked up by alias). */
export class EnvironmentModel {
  readonly env: EnvironmentName;
  readonly region: string;
  readonly account: string;
  private readonly resources = new Map<string, Resource>();
  private readonly dataSources = new Map<string, Resource>();

  readonly stacks: readonly SynthStack[];

  constructor(env: EnvironmentName, stacks: readonly SynthStack[]) {
    this.env = env;
    this.stacks = stacks;
    const provider = stacks[0]?.json.provider?.aws?.[0] as { region?: string; allowed_account_ids?: string[] };
    this.region = str(provider?.region);
    this.account = str(provider?.allowed_account_ids?.[0]);
    for (const stack of stacks) {
      for (const [type, id, body] of blocks(stack.json))
        this.resources.set(key(stack, type, id), { stack, type, id, body });
      for (const [type, id, body] of blocks(stack.json, 'data'))
        this.dataSources.set(key(stack, type, id), { stack, type, id, body });
    }
  }

  arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.region}:${this.account}:${resource}`;
  }

  /** Every resource of a type, across the environment's stacks. */
  all(type: string): Resource[] {
    return [...this.resources.values()].filter((r) => r.type === type);
  }

  stack(part: string): SynthStack | undefined {
    return this.stacks.find((s) => s.part === part);
  }

  /** Replaces every `${type.id.attr}` / `${data.type.id.attr}` in a string with the value it has after apply. */
  resolveString(value: string, stack?: SynthStack): string {
    return value.replace(/\$\{([^}]+)\}/g, (_, ref: string) => this.resolveRef(ref, stack));
  }

  /** A string attribute, resolved; references are looked up in the stack that holds the attribute. */
  resolveIn(stack: SynthStack, value: unknown): string {
    return this.resolveString(str(value), stack);
  }

  private resolveRef(ref: string, stack: SynthStack | undefined): string {
    const parts = ref.split('.');
    const isData = parts[0] === 'data';
    const [type, id, attr, ...rest] = isData ? parts.slice(1) : parts;
    if (!type || !id || !attr || rest.length > 0) throw new Error(`unsupported Terraform expression \${${ref}}`);
    const found = this.find(isData ? this.dataSources : this.resources, type, id, stack);
    if (!found) throw new Error(`\${${ref}}: no such ${isData ? 'data source' : 'resource'}`);
    if (isData) return this.resolveData(found, attr, ref);
    const attributes = ATTRIBUTES[type];
    const value = attributes?.(found.body, this, found)[attr];
    if (value === undefined) throw new Error(`\${${ref}}: attribute ${attr} of ${type} is not modelled`);
    // A name may itself hold references (a log group named after a security configuration).
    return this.resolveString(value, found.stack);
  }

  private find(map: Map<string, Resource>, type: string, id: string, stack: SynthStack | undefined) {
    if (stack) return map.get(key(stack, type, id));
    return [...map.values()].find((r) => r.type === type && r.id === id);
  }

  private resolveData(found: Resource, attr: string, ref: string): string {
    if (found.type === 'aws_iam_policy_document' && attr === 'json')
      return JSON.stringify(this.renderPolicy(found.body, found.stack));
    if (found.type === 'aws_kms_key' && attr === 'arn') return this.keyByAlias(str(found.body.key_id));
    throw new Error(`\${${ref}}: data source attribute not modelled`);
  }

  /** The ARN of the key an alias points at (the data stack owns the key; other stacks look it up by alias). */
  keyByAlias(alias: string): string {
    const target = this.all('aws_kms_alias').find((a) => a.body.name === alias);
    if (!target) throw new Error(`no aws_kms_alias named ${alias} in ${this.env}`);
    const keyId = this.resolveIn(target.stack, target.body.target_key_id);
    return this.arn('kms', `key/${keyId}`);
  }

  /** The IAM JSON an aws_iam_policy_document data source renders. */
  renderPolicy(body: Body, stack: SynthStack): IamPolicy {
    const resolveAll = (values: unknown): string[] => (values as string[]).map((v) => this.resolveIn(stack, v));
    const statements = (body.statement as Body[]).map((s): IamStatement => {
      const out: IamStatement = {
        Effect: (s.effect as 'Allow' | 'Deny' | undefined) ?? 'Allow',
        Action: resolveAll(s.actions),
      };
      if (s.sid) out.Sid = str(s.sid);
      if (s.resources) out.Resource = resolveAll(s.resources);
      if (s.not_resources) out.NotResource = resolveAll(s.not_resources);
      if (s.principals) {
        const principals = s.principals as { type: string; identifiers: string[] }[];
        if (principals.some((p) => p.type === '*')) out.Principal = '*';
        else {
          const byType: Record<string, string[]> = {};
          for (const p of principals) (byType[p.type] ??= []).push(...resolveAll(p.identifiers));
          out.Principal = byType;
        }
      }
      if (s.condition) {
        const conditions: Record<string, Record<string, string[]>> = {};
        for (const c of s.condition as { test: string; variable: string; values: string[] }[])
          (conditions[c.test] ??= {})[c.variable] = resolveAll(c.values);
        out.Condition = conditions;
      }
      return out;
    });
    return { Version: '2012-10-17', Statement: statements };
  }

  /** A policy attribute (a rendered document reference or inline JSON), as IAM JSON. */
  policyOf(stack: SynthStack, value: unknown): IamPolicy {
    return JSON.parse(this.resolveIn(stack, value)) as IamPolicy;
  }

  /** The role an ARN attribute of a resource names, with its trust policy and inline policies. */
  role(roleArn: string): Role {
    const roles = this.all('aws_iam_role');
    const found = roles.find(
      (r) => this.resolveIn(r.stack, ATTRIBUTES.aws_iam_role?.(r.body, this, r).arn) === roleArn,
    );
    if (!found) throw new Error(`no aws_iam_role with ARN ${roleArn} in ${this.env}`);
    const name = this.resolveIn(found.stack, found.body.name);
    if (this.all('aws_iam_role_policy_attachment').length > 0 || found.body.managed_policy_arns)
      throw new Error('managed policy attachments are not modelled; extend terraform-model.ts before relying on them');
    const policies = this.all('aws_iam_role_policy')
      .filter((p) => this.resolveIn(p.stack, p.body.role) === name)
      .map((p) => ({ name: str(p.body.name), policy: this.policyOf(p.stack, p.body.policy) }));
    return {
      name,
      arn: roleArn,
      address: `${found.stack.name}:aws_iam_role.${found.id}`,
      trust: this.policyOf(found.stack, found.body.assume_role_policy),
      policies,
    };
  }

  /** The bucket policy of a bucket, if it has one. */
  bucketPolicy(bucket: string): IamPolicy | undefined {
    const found = this.all('aws_s3_bucket_policy').find((p) => this.resolveIn(p.stack, p.body.bucket) === bucket);
    return found ? this.policyOf(found.stack, found.body.policy) : undefined;
  }

  /** The key policy of a key, by ARN. */
  keyPolicy(keyArn: string): IamPolicy {
    const found = this.all('aws_kms_key').find((k) => ATTRIBUTES.aws_kms_key?.(k.body, this, k).arn === keyArn);
    if (!found) throw new Error(`no aws_kms_key with ARN ${keyArn} in ${this.env}`);
    return this.policyOf(found.stack, found.body.policy);
  }

  /** The value of a stack output, resolved. */
  output(name: string): string {
    for (const stack of this.stacks) {
      const out = stack.json.output?.[name];
      if (out) return this.resolveIn(stack, out.value);
    }
    throw new Error(`no output ${name} in ${this.env}`);
  }
}

function key(stack: SynthStack, type: string, id: string): string {
  return `${stack.name}|${type}|${id}`;
}

/** One model per environment, from every synthesized stack. */
export function environmentModels(stacks: readonly SynthStack[]): EnvironmentModel[] {
  const envs = [...new Set(stacks.map((s) => s.env))];
  return envs.map(
    (env) =>
      new EnvironmentModel(
        env,
        stacks.filter((s) => s.env === env),
      ),
  );
}

export type { TfJson };
