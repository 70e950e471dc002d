import type { S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { Construct } from 'constructs';
import type { StorageConfig } from '../config/types.ts';
import { LAYERS, type Naming } from '../lib/naming.ts';
import { SecureBucket } from './secure-bucket.ts';

export interface StorageProps {
  readonly naming: Naming;
  readonly config: StorageConfig;
  readonly kmsKeyArn: string;
}

/** The lake (raw/processed/curated + Iceberg warehouse), DAGs, Athena results and artifacts buckets, and their logs. */
export class Storage extends Construct {
  readonly lake: SecureBucket;
  readonly accessLogs: SecureBucket;
  readonly dags: SecureBucket;
  readonly athenaResults: SecureBucket;
  readonly artifacts: SecureBucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const { naming, config } = props;
    const names = naming.resources;
    const noncurrent: S3BucketLifecycleConfigurationRule = {
      id: 'expire-noncurrent-versions',
      status: 'Enabled',
      filter: [{ prefix: '' }],
      noncurrentVersionExpiration: [{ noncurrentDays: config.noncurrentVersionExpiryDays }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
    };
    const expireAfter = (days: number): S3BucketLifecycleConfigurationRule => ({
      id: `expire-after-${days}-days`,
      status: 'Enabled',
      filter: [{ prefix: '' }],
      expiration: [{ days }],
      noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
    });

    this.accessLogs = new SecureBucket(this, 'access-logs', {
      bucketName: names.logsBucket,
      forceDestroy: config.forceDestroy,
      lifecycleRules: [expireAfter(config.accessLogExpiryDays)],
      extraStatements: [
        {
          sid: 'S3ServerAccessLogDelivery',
          actions: ['s3:PutObject'],
          resources: [`${naming.bucketArn(names.logsBucket)}/*`],
          principals: [{ type: 'Service', identifiers: ['logging.s3.amazonaws.com'] }],
          conditions: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [naming.account] }],
        },
      ],
    });
    const common = {
      kmsKeyArn: props.kmsKeyArn,
      forceDestroy: config.forceDestroy,
      accessLogBucket: names.logsBucket,
    };
    // Tiering per layer: data is hot for weeks, then Intelligent-Tiering, then Glacier (Instant Retrieval keeps
    // Athena able to read it). The Iceberg warehouse is tiered the same way; its metadata stays small.
    const layerRules: S3BucketLifecycleConfigurationRule[] = [...LAYERS, 'iceberg'].map((layer) => ({
      id: `tier-${layer}`,
      status: 'Enabled',
      filter: [{ prefix: `${layer}/` }],
      transition: [
        { days: config.intelligentTieringAfterDays, storageClass: 'INTELLIGENT_TIERING' },
        { days: config.glacierAfterDays, storageClass: 'GLACIER_IR' },
      ],
    }));
    this.lake = new SecureBucket(this, 'lake', {
      ...common,
      bucketName: names.lakeBucket,
      denyNonKmsPuts: true,
      lifecycleRules: [noncurrent, ...layerRules],
    });
    // Layer "folders" so the console, crawlers and people see the layout before the first write.
    for (const layer of [...LAYERS, 'iceberg', 'quarantine'])
      new S3Object(this, `prefix-${layer}`, {
        bucket: this.lake.bucket.id,
        key: `${layer}/`,
        content: '',
        kmsKeyId: props.kmsKeyArn,
        serverSideEncryption: 'aws:kms',
      });
    this.dags = new SecureBucket(this, 'dags', {
      ...common,
      bucketName: names.dagsBucket,
      lifecycleRules: [noncurrent],
    });
    this.athenaResults = new SecureBucket(this, 'athena-results', {
      ...common,
      bucketName: names.athenaResultsBucket,
      lifecycleRules: [expireAfter(config.athenaResultsExpiryDays)],
    });
    this.artifacts = new SecureBucket(this, 'artifacts', {
      ...common,
      bucketName: names.artifactsBucket,
      lifecycleRules: [noncurrent],
    });
  }

  get buckets(): SecureBucket[] {
    return [this.lake, this.accessLogs, this.dags, this.athenaResults, this.artifacts];
  }
}
