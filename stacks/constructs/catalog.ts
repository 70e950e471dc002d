import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database/index.js';
import { GlueCrawler } from '@cdktf/provider-aws/lib/glue-crawler/index.js';
import { GlueSecurityConfiguration } from '@cdktf/provider-aws/lib/glue-security-configuration/index.js';
import { Construct } from 'constructs';
import { kmsUse, s3Read } from '../lib/grants.ts';
import { ServiceRole } from '../lib/iam.ts';
import { LAYERS, type Layer, type Naming } from '../lib/naming.ts';

export interface CatalogProps {
  readonly naming: Naming;
  readonly lakeBucket: string;
  readonly kmsKeyArn: string;
  readonly crawlerSchedule: string;
  readonly logRetentionDays: number;
}

/**
 * One Glue database and one crawler per layer. Crawlers only see `<layer>/` of the lake bucket; the Iceberg
 * warehouse (`iceberg/`) is registered by the writer itself and never crawled over.
 */
export class Catalog extends Construct {
  readonly databases: Record<Layer, GlueCatalogDatabase>;
  readonly crawlers: Record<Layer, GlueCrawler>;
  /** One role per crawler: each reads only its own layer prefix and writes only its own database. */
  readonly crawlerRoles: Record<Layer, ServiceRole>;

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
        locationUri: `s3://${props.lakeBucket}/${layer}/`,
      });
    this.databases = databases;

    const catalogArn = naming.arn('glue', 'catalog');
    const crawlers = {} as Record<Layer, GlueCrawler>;
    const roles = {} as Record<Layer, ServiceRole>;
    for (const layer of LAYERS) {
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
          ...s3Read(`Read${cap(layer)}`, lakeArn, `${layer}/`),
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
        s3Target: [{ path: `s3://${props.lakeBucket}/${layer}/`, exclusions: ['**/_SUCCESS', '**/*.tmp'] }],
        // New folders only: existing partitions keep their schema, crawls stay cheap.
        recrawlPolicy: { recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
        schemaChangePolicy: { updateBehavior: 'LOG', deleteBehavior: 'LOG' },
        configuration: JSON.stringify({
          Version: 1,
          CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
          Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas' },
        }),
        // Glue checks the role's permissions when the crawler is created.
        dependsOn: [role.policy],
      });
    }
    this.crawlerRoles = roles;
    this.crawlers = crawlers;
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
