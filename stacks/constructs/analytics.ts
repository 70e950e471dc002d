import { AthenaNamedQuery } from '@cdktf/provider-aws/lib/athena-named-query/index.js';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup/index.js';
import { Construct } from 'constructs';
import type { Naming } from '../lib/naming.ts';

export interface AnalyticsProps {
  readonly naming: Naming;
  readonly resultsBucket: string;
  readonly kmsKeyArn: string;
  readonly bytesScannedCutoffPerQuery: number;
  readonly forceDestroy: boolean;
}

/** The processed table the maintenance queries are written for (the events dataset, the largest). */
export const MAINTAINED_TABLE = 'events';

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
    // The maintenance queries name a table the stream processor creates with its first commit (src/processor:
    // one Iceberg table per dataset in the processed database); nothing here creates tables of its own.
    const db = naming.database('processed');
    const table = `${db}.${MAINTAINED_TABLE}`;
    const sql: Record<string, [string, string]> = {
      'iceberg-time-travel': [
        `Read ${table} as it was one day ago`,
        `SELECT * FROM ${table} FOR TIMESTAMP AS OF (current_timestamp - interval '1' day) LIMIT 100`,
      ],
      'iceberg-optimize': [
        `Compact small files of ${table} (bin-pack)`,
        `OPTIMIZE ${table} REWRITE DATA USING BIN_PACK`,
      ],
      'iceberg-vacuum': [`Expire old snapshots of ${table} and remove orphan files`, `VACUUM ${table}`],
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
