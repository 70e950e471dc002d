import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database/index.js';
import { GlueCrawler } from '@cdktf/provider-aws/lib/glue-crawler/index.js';
import { GlueSecurityConfiguration } from '@cdktf/provider-aws/lib/glue-security-configuration/index.js';
import { Construct } from 'constructs';
import { kmsUse, s3Read } from '../lib/grants.ts';
import { ServiceRole } from '../lib/iam.ts';
import { CRAWLED_LAYERS, LAYERS, type CrawledLayer, type Layer, type Naming } from '../lib/naming.ts';

export interface CatalogProps {
  readonly naming: Naming;
  readonly lakeBucket: string;
  readonly kmsKeyArn: string;
  readonly crawlerSchedule: string;
  readonly logRetentionDays: number;
}

/**
 * How deep below a namespace folder an Iceberg crawler looks for a table's `metadata/` folder: the table folder,
 * its `metadata/`, and one level of margin. Kept small so a crawl does not walk the data files' partition folders.
 */
export const ICEBERG_TRAVERSAL_DEPTH = 3;

/**
 * One Glue database per layer, and one crawler per layer the stream processor writes (raw, processed).
 *
 * Those tables are Iceberg tables in the processor's warehouse, `iceberg/<database>/<table>/`, and the processor
 * registers each one in the layer's database with its first commit (Glue table_type=ICEBERG, metadata_location).
 * The crawlers are Iceberg crawlers over exactly those namespace folders, never plain S3 crawlers: an S3 crawl
 * would register the data and metadata files as Hive tables. They only add a table whose folder exists without a
 * catalog entry (a table restored from a backup, a catalog entry deleted by hand), and they only log changes to
 * the tables that exist: the commits own metadata_location, and a crawler updating it could move a table back to
 * an older snapshot between two commits.
 */
export class Catalog extends Construct {
  readonly databases: Record<Layer, GlueCatalogDatabase>;
  readonly crawlers: Record<CrawledLayer, GlueCrawler>;
  /** One role per crawler: each reads only its own layer's warehouse folder and writes only its own database. */
  readonly crawlerRoles: Record<CrawledLayer, ServiceRole>;

  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id);
    const { naming } = props;
    const lakeArn = naming.bucketArn(props.lakeBucket);
    const security = new GlueSecurityConfiguration(this, 'security', {
      name: naming.name('crawler-security'),
      encryptionConfiguration: {
        cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS', kmsKeyArn: props.kmsKeyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: props.kmsKeyArn },
        s3Encryption: { s3EncryptionMode: 'SSE-KMS', kmsKeyArn: props.kmsKeyArn },
      },
    });
    const databases = {} as Record<Layer, GlueCatalogDatabase>;
    for (const layer of LAYERS)
      databases[layer] = new GlueCatalogDatabase(this, `db-${layer}`, {
        name: naming.database(layer),
        description: `${layer} layer of ${naming.prefix}`,
        // Where the layer's tables are: the processor's warehouse folder for the layers it writes.
        locationUri: `s3://${props.lakeBucket}/${isCrawled(layer) ? naming.icebergPrefix(layer) : `${layer}/`}`,
      });
    this.databases = databases;

    const catalogArn = naming.arn('glue', 'catalog');
    const crawlers = {} as Record<CrawledLayer, GlueCrawler>;
    const roles = {} as Record<CrawledLayer, ServiceRole>;
    for (const layer of CRAWLED_LAYERS) {
      const prefix = naming.icebergPrefix(layer);
      const roleName = naming.name(`${layer}-crawler`);
      // With a security configuration, Glue writes crawler logs to `/aws-glue/crawlers-role/<role>-<configuration>`;
      // created here so retention and encryption are ours.
      const logGroup = new CloudwatchLogGroup(this, `${layer}-crawler-logs`, {
        name: `/aws-glue/crawlers-role/${roleName}-${security.name}`,
        retentionInDays: props.logRetentionDays,
        kmsKeyId: props.kmsKeyArn,
      });
      const role = new ServiceRole(this, `${layer}-crawler-role`, {
        name: roleName,
        service: 'glue.amazonaws.com',
        sourceAccount: naming.account,
        statements: [
          ...s3Read(`Read${cap(layer)}`, lakeArn, prefix),
          kmsUse('UseDataKey', props.kmsKeyArn),
          {
            sid: 'WriteLayerTables',
            actions: [
              'glue:BatchCreatePartition',
              'glue:BatchGetPartition',
              'glue:CreatePartition',
              'glue:CreateTable',
              'glue:GetDatabase',
              'glue:GetPartition',
              'glue:GetPartitions',
              'glue:GetTable',
              'glue:GetTables',
              'glue:UpdatePartition',
              'glue:UpdateTable',
            ],
            resources: [
              catalogArn,
              naming.arn('glue', `database/${naming.database(layer)}`),
              naming.arn('glue', `table/${naming.database(layer)}/*`),
            ],
          },
          {
            sid: 'ReadSecurityConfiguration',
            actions: ['glue:GetSecurityConfiguration'],
            // GetSecurityConfiguration supports no resource-level permissions.
            resources: ['*'],
          },
          {
            sid: 'CrawlerLogs',
            actions: ['logs:AssociateKmsKey', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.arn, `${logGroup.arn}:*`],
          },
        ],
      });
      roles[layer] = role;
      crawlers[layer] = new GlueCrawler(this, `crawler-${layer}`, {
        name: naming.crawler(layer),
        role: role.arn,
        databaseName: databases[layer].name,
        schedule: props.crawlerSchedule,
        securityConfiguration: security.name,
        icebergTarget: [
          { paths: [`s3://${props.lakeBucket}/${prefix}`], maximumTraversalDepth: ICEBERG_TRAVERSAL_DEPTH },
        ],
        // Existing tables are the commits' (see above): changes are logged, never written, and nothing is deleted.
        schemaChangePolicy: { updateBehavior: 'LOG', deleteBehavior: 'LOG' },
        // Glue checks the role's permissions when the crawler is created.
        dependsOn: [role.policy],
      });
    }
    this.crawlerRoles = roles;
    this.crawlers = crawlers;
  }
}

function isCrawled(layer: Layer): layer is CrawledLayer {
  return (CRAWLED_LAYERS as readonly Layer[]).includes(layer);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
