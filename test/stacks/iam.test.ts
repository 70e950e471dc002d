// The IAM statement helper: Allow statements name their actions; a Deny may cover every action of a service.
import { App, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { denyInsecureTransport } from '../../stacks/lib/grants.ts';
import { policyDocument } from '../../stacks/lib/iam.ts';

const scope = () => new TerraformStack(new App({ outdir: '/nonexistent' }), 'iam-test');
const bucket = 'arn:aws:s3:::example-bucket';

describe('policyDocument', () => {
  it('refuses a wildcard action in an Allow statement, explicit or by default', () => {
    expect(() =>
      policyDocument(scope(), 'doc', [{ sid: 'ReadAll', actions: ['s3:Get*'], resources: [`${bucket}/*`] }]),
    ).toThrow(/Allow statement ReadAll has wildcard actions s3:Get\*/);
    expect(() =>
      policyDocument(scope(), 'doc', [{ sid: 'All', effect: 'Allow', actions: ['s3:*'], resources: [bucket] }]),
    ).toThrow(/Allow statement All has wildcard actions s3:\*/);
  });

  it('accepts a wildcard action in a Deny statement, and writes it as given', () => {
    const stack = scope();
    policyDocument(stack, 'doc', [denyInsecureTransport(bucket)]);
    const json = JSON.parse(Testing.synth(stack)) as {
      data: { aws_iam_policy_document: Record<string, { statement: Record<string, unknown>[] }> };
    };
    const [statement] = Object.values(json.data.aws_iam_policy_document)[0]?.statement ?? [];
    expect(statement).toMatchObject({ effect: 'Deny', actions: ['s3:*'], resources: [bucket, `${bucket}/*`] });
  });
});
