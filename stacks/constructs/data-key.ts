import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { Construct } from 'constructs';
import { policyDocument, type PolicyStatement } from '../lib/iam.ts';
import type { Naming } from '../lib/naming.ts';

// Key administration and use by principals of this account (through their IAM policies). Listed, not `kms:*`.
export const ACCOUNT_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];
const USE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

export interface DataKeyProps {
  readonly naming: Naming;
  readonly deletionWindowDays: number;
}

/** The customer-managed key for everything at rest in an environment: S3, DynamoDB, Kinesis, SQS, SNS, logs. */
export class DataKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const { naming } = props;
    const statements: PolicyStatement[] = [
      {
        sid: 'AccountAdministersAndDelegates',
        actions: ACCOUNT_ACTIONS,
        // In a key policy `*` means "this key"; it is the only value KMS accepts.
        resources: ['*'],
        principals: [{ type: 'AWS', identifiers: [naming.arn('iam', 'root', { region: false })] }],
      },
      {
        sid: 'CloudWatchLogsEncryptsEnvironmentLogGroups',
        actions: USE_ACTIONS,
        resources: ['*'], // key policy: the key itself
        principals: [{ type: 'Service', identifiers: [`logs.${naming.region}.amazonaws.com`] }],
        conditions: [
          {
            test: 'ArnLike',
            variable: 'kms:EncryptionContext:aws:logs:arn',
            values: [naming.arn('logs', `log-group:*${naming.prefix}*`)],
          },
        ],
      },
      {
        sid: 'AlarmsPublishToEncryptedTopic',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // key policy: the key itself
        principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
        conditions: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [naming.account] }],
      },
    ];
    const policy = policyDocument(this, 'policy', statements);
    this.key = new KmsKey(this, 'key', {
      description: `${naming.prefix} data at rest`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: policy.json,
    });
    this.alias = new KmsAlias(this, 'alias', { name: naming.dataKeyAlias, targetKeyId: this.key.keyId });
  }

  get arn(): string {
    return this.key.arn;
  }
}
