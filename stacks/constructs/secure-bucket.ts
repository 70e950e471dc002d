import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { Construct } from 'constructs';
import { denyInsecureTransport, s3Read, s3ReadWrite } from '../lib/grants.ts';
import { policyDocument, type PolicyStatement } from '../lib/iam.ts';

export interface SecureBucketProps {
  readonly bucketName: string;
  /** KMS key ARN for SSE-KMS; absent only for the access-log bucket (S3 server access logging cannot write SSE-KMS). */
  readonly kmsKeyArn?: string;
  readonly forceDestroy: boolean;
  /** Where server access logs go (`<bucket>/` prefix); absent for the log bucket itself. */
  readonly accessLogBucket?: string;
  readonly lifecycleRules: readonly S3BucketLifecycleConfigurationRule[];
  /** Deny PutObject requests that ask for an encryption other than SSE-KMS. */
  readonly denyNonKmsPuts?: boolean;
  /** Extra bucket-policy statements (e.g. the log-delivery grant). */
  readonly extraStatements?: readonly PolicyStatement[];
}

/** A bucket with versioning, encryption, no public access, owner-enforced objects, TLS-only policy and logging. */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly name: string;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.name = props.bucketName;
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy });
    const bucketId = this.bucket.id;
    new S3BucketVersioningA(this, 'versioning', { bucket: bucketId, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucketId,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: 'AES256' },
          bucketKeyEnabled: props.kmsKeyArn !== undefined,
        },
      ],
    });
    const publicBlock = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: bucketId,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    if (props.accessLogBucket)
      new S3BucketLoggingA(this, 'logging', {
        bucket: bucketId,
        targetBucket: props.accessLogBucket,
        targetPrefix: `${props.bucketName}/`,
      });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', { bucket: bucketId, rule: [...props.lifecycleRules] });

    const statements: PolicyStatement[] = [
      denyInsecureTransport(this.bucket.arn),
      ...(props.denyNonKmsPuts
        ? [
            {
              sid: 'DenyNonKmsPuts',
              effect: 'Deny' as const,
              actions: ['s3:PutObject'],
              resources: [`${this.bucket.arn}/*`],
              principals: [{ type: '*', identifiers: ['*'] }],
              // Only a put that asks for another encryption is refused: a put without the header gets the bucket's
              // default SSE-KMS, which is what we want (StringNotEqualsIfExists would deny exactly those puts).
              conditions: [
                { test: 'StringNotEquals', variable: 's3:x-amz-server-side-encryption', values: ['aws:kms'] },
                { test: 'Null', variable: 's3:x-amz-server-side-encryption', values: ['false'] },
              ],
            },
          ]
        : []),
      ...(props.extraStatements ?? []),
    ];
    new S3BucketPolicy(this, 'policy', {
      bucket: bucketId,
      policy: policyDocument(this, 'policy-document', statements).json,
      // S3 rejects a bucket policy while the public access block is being created.
      dependsOn: [publicBlock],
    });
  }

  get arn(): string {
    return this.bucket.arn;
  }

  /** Read statements for one prefix (or the whole bucket), for a role's policy. */
  grantRead(sid: string, prefix = ''): PolicyStatement[] {
    return s3Read(sid, this.bucket.arn, prefix);
  }

  grantReadWrite(sid: string, prefix = ''): PolicyStatement[] {
    return s3ReadWrite(sid, this.bucket.arn, prefix);
  }
}
