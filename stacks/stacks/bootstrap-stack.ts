import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types.ts';
import { ACCOUNT_ACTIONS } from '../constructs/data-key.ts';
import { denyInsecureTransport } from '../lib/grants.ts';
import { policyDocument } from '../lib/iam.ts';
import { LakehouseStack } from '../lib/lakehouse-stack.ts';

/**
 * The bucket every other stack keeps its state in (S3-native locking, no DynamoDB table). It keeps its own state
 * locally: deploy it once per environment with `cdktf deploy lakehouse-<env>-bootstrap` and keep the state file.
 */
export class BootstrapStack extends LakehouseStack {
  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, part: 'bootstrap', localState: true });
    const name = this.naming.stateBucket;
    const keyPolicy = policyDocument(this, 'state-key-policy', [
      {
        sid: 'AccountAdministersAndDelegates',
        actions: ACCOUNT_ACTIONS,
        // In a key policy `*` means "this key"; it is the only value KMS accepts.
        resources: ['*'],
        principals: [{ type: 'AWS', identifiers: [this.naming.arn('iam', 'root', { region: false })] }],
      },
    ]);
    const key = new KmsKey(this, 'state-key', {
      description: `${this.naming.prefix} Terraform state`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    // State must survive `cdktf destroy` of everything else: never force-destroyed.
    const bucket = new S3Bucket(this, 'state', {
      bucket: name,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    new S3BucketVersioningA(this, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn },
          bucketKeyEnabled: true,
        },
      ],
    });
    const block = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'expire-old-state-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      dependsOn: [block],
      policy: policyDocument(this, 'policy-document', [denyInsecureTransport(bucket.arn)]).json,
    });
    this.output('state_bucket', bucket.bucket, 'Bucket holding the Terraform state of this environment');
  }
}
