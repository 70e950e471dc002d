import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types.ts';
import { Analytics } from '../constructs/analytics.ts';
import { Catalog } from '../constructs/catalog.ts';
import { DataKey } from '../constructs/data-key.ts';
import { Metadata } from '../constructs/metadata.ts';
import { Storage } from '../constructs/storage.ts';
import { LakehouseStack } from '../lib/lakehouse-stack.ts';
import { CRAWLED_LAYERS, LAYERS } from '../lib/naming.ts';

/** What holds data and describes it: key, buckets, Glue catalog and crawlers, run metadata, Athena. */
export class DataStack extends LakehouseStack {
  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, part: 'data' });
    const naming = this.naming;
    const key = new DataKey(this, 'key', { naming, deletionWindowDays: config.storage.forceDestroy ? 7 : 30 });
    const storage = new Storage(this, 'storage', { naming, config: config.storage, kmsKeyArn: key.arn });
    const catalog = new Catalog(this, 'catalog', {
      naming,
      lakeBucket: storage.lake.name,
      kmsKeyArn: key.arn,
      crawlerSchedule: config.catalog.crawlerSchedule,
      logRetentionDays: config.logRetentionDays,
    });
    const metadata = new Metadata(this, 'metadata', { naming, config: config.metadata, kmsKeyArn: key.arn });
    const analytics = new Analytics(this, 'analytics', {
      naming,
      resultsBucket: storage.athenaResults.name,
      kmsKeyArn: key.arn,
      bytesScannedCutoffPerQuery: config.analytics.bytesScannedCutoffPerQuery,
      forceDestroy: config.storage.forceDestroy,
    });

    this.output('data_key_arn', key.arn, 'KMS key for data at rest');
    this.output('lake_bucket', storage.lake.bucket.bucket, 'Data-lake bucket (raw/, processed/, curated/, iceberg/)');
    this.output('dags_bucket', storage.dags.bucket.bucket, 'MWAA DAGs bucket');
    this.output('athena_results_bucket', storage.athenaResults.bucket.bucket, 'Athena query results');
    this.output('artifacts_bucket', storage.artifacts.bucket.bucket, 'Lambda and Glue code artifacts');
    this.output('runs_table', metadata.runs.name, 'DynamoDB run records');
    this.output('jobs_table', metadata.jobs.name, 'DynamoDB API jobs');
    this.output('athena_workgroup', analytics.workgroup.name, 'Athena workgroup');
    for (const layer of LAYERS)
      this.output(`${layer}_database`, catalog.databases[layer].name, `Glue database of the ${layer} layer`);
    for (const layer of CRAWLED_LAYERS)
      this.output(`${layer}_crawler`, catalog.crawlers[layer].name, `Glue crawler of the ${layer} layer`);
  }
}
