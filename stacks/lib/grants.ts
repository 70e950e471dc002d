import type { PolicyStatement } from './iam.ts';

// Grant helpers over ARNs, so a stack can grant on resources another stack owns (names are deterministic).

export function s3Read(sid: string, bucketArn: string, prefix = ''): PolicyStatement[] {
  return [
    { sid: `${sid}Get`, actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${bucketArn}/${prefix}*`] },
    {
      sid: `${sid}List`,
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
      ...(prefix ? { conditions: [{ test: 'StringLike', variable: 's3:prefix', values: [`${prefix}*`] }] } : {}),
    },
    // Apart from the prefix condition: a GetBucketLocation request carries no s3:prefix, so it would never match.
    { sid: `${sid}Location`, actions: ['s3:GetBucketLocation'], resources: [bucketArn] },
  ];
}

export function s3ReadWrite(sid: string, bucketArn: string, prefix = ''): PolicyStatement[] {
  return [
    ...s3Read(sid, bucketArn, prefix),
    {
      sid: `${sid}Put`,
      actions: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'],
      resources: [`${bucketArn}/${prefix}*`],
    },
  ];
}

export function kmsUse(sid: string, keyArn: string): PolicyStatement {
  return { sid, actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], resources: [keyArn] };
}

export function logsWrite(sid: string, logGroupArn: string): PolicyStatement {
  return { sid, actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroupArn}:*`] };
}

/** What Step Functions needs to deliver a state machine's execution logs to CloudWatch Logs. */
export function stateMachineLogDelivery(sid = 'LogDelivery'): PolicyStatement {
  return {
    sid,
    actions: [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
    ],
    // CloudWatch Logs vended delivery APIs support no resource-level permissions (AWS docs).
    resources: ['*'],
  };
}

/** What a traced state machine needs to send segments to X-Ray. */
export function stateMachineTracing(sid = 'XRay'): PolicyStatement {
  return {
    sid,
    actions: ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
    // X-Ray trace APIs support no resource-level permissions.
    resources: ['*'],
  };
}

/**
 * A bucket policy statement refusing every S3 request over plain HTTP: all actions (present and future ones) on
 * the bucket and its objects, from any principal.
 */
export function denyInsecureTransport(bucketArn: string, sid = 'DenyInsecureTransport'): PolicyStatement {
  return {
    sid,
    effect: 'Deny',
    actions: ['s3:*'],
    resources: [bucketArn, `${bucketArn}/*`],
    principals: [{ type: '*', identifiers: ['*'] }],
    conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
  };
}
