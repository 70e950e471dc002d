// Evaluates each derived call with a real IAM policy evaluator (@cloud-copilot/iam-simulate): the role's identity
// policies, plus the resource policy AWS also consults — the bucket policy for S3 (TLS-only and SSE-KMS Denies
// included), the key policy for KMS (which must allow the account or the role, not only IAM), the trust policy
// for sts:AssumeRole. Same-account requests over TLS; no SCPs, boundaries or session policies (see README.md).
import { getDenialReasons, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { PrincipalCalls } from './derive-calls.ts';
import type { EnvironmentModel, IamPolicy } from './terraform-model.ts';

export interface Finding {
  readonly env: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly deniedBy: string;
  readonly why: string;
}

export function formatFinding(f: Finding): string {
  return `${f.env}: ${f.principal} cannot ${f.action} on ${f.resource} — ${f.deniedBy}; needed by ${f.why}`;
}

function resourcePolicy(model: EnvironmentModel, resource: string): { policy: IamPolicy; name: string } | undefined {
  if (resource.startsWith('arn:aws:s3:::')) {
    const bucket = resource.slice('arn:aws:s3:::'.length).split('/')[0] as string;
    const policy = model.bucketPolicy(bucket);
    return policy ? { policy, name: `bucket policy of ${bucket}` } : undefined;
  }
  if (/^arn:aws:kms:[^:]+:[^:]+:key\//.test(resource))
    return { policy: model.keyPolicy(resource), name: `key policy of ${resource}` };
  return undefined;
}

function explain(reasons: ReturnType<typeof getDenialReasons>, identity: string, resource: string | undefined): string {
  if (reasons.length === 0) return 'denied';
  return reasons
    .map((r) => {
      const where =
        r.policyType === 'identity'
          ? identity
          : r.policyType === 'resource'
            ? (resource ?? 'resource policy')
            : r.policyType;
      return r.denialType === 'Explicit'
        ? `explicitly denied by statement ${r.statementId ?? `#${r.statementIndex}`} of the ${where}`
        : `not allowed by the ${where}`;
    })
    .join('; ');
}

async function evaluate(
  model: EnvironmentModel,
  principal: string,
  identityPolicies: { name: string; policy: IamPolicy }[],
  request: { action: string; resource: string; context?: Readonly<Record<string, string | readonly string[]>> },
  identityName: string,
): Promise<string | undefined> {
  const rp = resourcePolicy(model, request.resource);
  const simulation: Simulation = {
    request: {
      principal,
      action: request.action,
      resource: { resource: request.resource, accountId: model.account },
      contextVariables: {
        'aws:SecureTransport': 'true',
        ...(principal.startsWith('arn:')
          ? { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': model.account }
          : { 'aws:SourceAccount': model.account }),
        ...Object.fromEntries(
          Object.entries(request.context ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]),
        ),
      },
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(rp ? { resourcePolicy: rp.policy } : {}),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') return `the simulator rejected the request: ${JSON.stringify(result.errors)}`;
  if (result.resultType !== 'single') return `unexpected ${result.resultType} result`;
  if (result.overallResult === 'Allowed') return undefined;
  const analysis = result.result.analysis;
  return analysis ? explain(getDenialReasons(analysis), identityName, rp?.name) : result.overallResult;
}

/** Every call that the policies do not allow, plus a service that the role's trust policy does not let in. */
export async function findings(model: EnvironmentModel, principals: readonly PrincipalCalls[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const p of principals) {
    const identityName = `inline policies of role ${p.role.name} (${p.role.address})`;
    const policies = p.role.policies.map((x) => ({ name: x.name, policy: x.policy }));
    // The service must be able to assume the role at all (trust policy as the role's resource policy).
    const trust = await runSimulation(
      {
        request: {
          principal: p.service,
          action: 'sts:AssumeRole',
          resource: { resource: p.role.arn, accountId: model.account },
          contextVariables: { 'aws:SourceAccount': model.account, 'aws:SecureTransport': 'true' },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: p.role.trust,
      },
      {},
    );
    if (trust.resultType !== 'single' || trust.overallResult !== 'Allowed')
      out.push({
        env: model.env,
        principal: p.service,
        action: 'sts:AssumeRole',
        resource: p.role.arn,
        deniedBy: `trust policy of role ${p.role.name}`,
        why: p.who,
      });
    const seen = new Set<string>();
    for (const call of p.calls) {
      const key = JSON.stringify([call.action, call.resource, call.context ?? {}]);
      if (seen.has(key)) continue;
      seen.add(key);
      const denied = await evaluate(model, p.role.arn, policies, call, identityName);
      if (denied)
        out.push({
          env: model.env,
          principal: `role ${p.role.name} (${p.who})`,
          action: call.action,
          resource: call.resource,
          deniedBy: denied,
          why: call.why,
        });
    }
  }
  return out;
}
