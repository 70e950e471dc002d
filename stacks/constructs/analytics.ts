import { AthenaNamedQuery } from '@cdktf/provider-aws/lib/athena-named-query/index.js';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup/index.js';
import { Construct } from 'constructs';
import type { Naming } from '../lib/naming.ts';

export interface AnalyticsProps {
  readonly naming: Naming;
  readonly resultsBucket: string;
  readonly lakeBucket: string;
  readonly kmsKeyArn: string;
  readonly bytesScannedCutoffPerQuery: number;
  readonly forceDestroy: boolean;
}

/** Athena engine v3 workgroup (settings enforced on clients) and the Iceberg maintenance queries people run. */
export class Analytics extends Construct {
  readonly workgroup: AthenaWorkgroup;
  readonly queries: AthenaNamedQuery[];

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const { naming } = props;
    this.workgroup = new AthenaWorkgroup(this, 'workgroup', {
      name: naming.resources.workgroup,
      state: 'ENABLED',
      forceDestroy: props.forceDestroy,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: props.kmsKeyArn },
          aclConfiguration: { s3AclOption: 'BUCKET_OWNER_FULL_CONTROL' },
        },
      },
    });
    const db = naming.database('curated');
    const table = `${db}.events_iceberg`;
    const sql: Record<string, [string, string]> = {
      'iceberg-create': [
        'Create an Iceberg table in the curated layer',
        `CREATE TABLE IF NOT EXISTS ${table} (event_id string, event_type string, event_ts timestamp, payload string)\n` +
          `PARTITIONED BY (day(event_ts))\nLOCATION 's3://${props.lakeBucket}/iceberg/${db}/events_iceberg/'\n` +
          `TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'zstd')`,
      ],
      'iceberg-time-travel': [
        'Read an Iceberg table as it was one day ago',
        `SELECT * FROM ${table} FOR TIMESTAMP AS OF (current_timestamp - interval '1' day) LIMIT 100`,
      ],
      'iceberg-optimize': ['Compact small files (bin-pack)', `OPTIMIZE ${table} REWRITE DATA USING BIN_PACK`],
      'iceberg-vacuum': ['Expire old snapshots and remove orphan files', `VACUUM ${table}`],
    };
    this.queries = Object.entries(sql).map(
      ([key, [description, query]]) =>
        new AthenaNamedQuery(this, key, {
          name: naming.name(key),
          description,
          database: db,
          workgroup: this.workgroup.name,
          query,
        }),
    );
  }
}
