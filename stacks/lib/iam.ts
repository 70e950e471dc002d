import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Construct } from 'constructs';

export interface Condition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

/** One IAM statement. Allow actions are always explicit (a property test rejects `*` in them); Deny may use `*`. */
export interface PolicyStatement {
  readonly sid: string;
  readonly effect?: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Everything except these (used where the resource is in an AWS-owned account). */
  readonly notResources?: readonly string[];
  readonly conditions?: readonly Condition[];
  readonly principals?: readonly { readonly type: string; readonly identifiers: readonly string[] }[];
}

export function policyDocument(
  scope: Construct,
  id: string,
  statements: readonly PolicyStatement[],
): DataAwsIamPolicyDocument {
  for (const s of statements) {
    // A wildcard grants whatever a service adds later, so an Allow names its actions. A Deny is the opposite: it
    // must also cover what a service adds later (e.g. every S3 action over plain HTTP), so a wildcard is right there.
    const wild = s.actions.filter((a) => a.includes('*'));
    if (wild.length > 0 && (s.effect ?? 'Allow') === 'Allow')
      throw new Error(`policy ${id}: Allow statement ${s.sid} has wildcard actions ${wild.join(', ')}`);
  }
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: statements.map((s) => ({
      sid: s.sid,
      effect: s.effect ?? 'Allow',
      actions: [...s.actions],
      // Trust policies carry no Resource element.
      ...(s.resources.length > 0 ? { resources: [...s.resources] } : {}),
      ...(s.notResources ? { notResources: [...s.notResources] } : {}),
      ...(s.conditions ? { condition: s.conditions.map((c) => ({ ...c, values: [...c.values] })) } : {}),
      ...(s.principals
        ? { principals: s.principals.map((p) => ({ type: p.type, identifiers: [...p.identifiers] })) }
        : {}),
    })),
  });
}

export interface ServiceRoleProps {
  readonly name: string;
  /** Service principal allowed to assume the role, e.g. `lambda.amazonaws.com`. */
  readonly service: string;
  readonly statements: readonly PolicyStatement[];
  /** Confused-deputy guard: only this account's resources may assume the role. */
  readonly sourceAccount?: string;
}

/** A role for one AWS service with one inline policy built from scoped statements. */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const trust = policyDocument(this, 'trust', [
      {
        sid: 'AssumeByService',
        actions: ['sts:AssumeRole'],
        resources: [],
        principals: [{ type: 'Service', identifiers: [props.service] }],
        ...(props.sourceAccount
          ? { conditions: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.sourceAccount] }] }
          : {}),
      },
    ]);
    this.role = new IamRole(this, 'role', { name: props.name, assumeRolePolicy: trust.json });
    const policy = policyDocument(this, 'policy', props.statements);
    this.policy = new IamRolePolicy(this, 'inline', {
      name: `${props.name}-policy`,
      role: this.role.id,
      policy: policy.json,
    });
  }

  get arn(): string {
    return this.role.arn;
  }
}
