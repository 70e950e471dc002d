import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';
import { Construct } from 'constructs';
import type { MetadataConfig } from '../config/types.ts';
import type { PolicyStatement } from '../lib/iam.ts';
import type { Naming } from '../lib/naming.ts';

export interface MetadataProps {
  readonly naming: Naming;
  readonly config: MetadataConfig;
  readonly kmsKeyArn: string;
}

/** Run records (one per pipeline run) and API jobs (expire through TTL). On-demand, PITR, SSE with the data key. */
export class Metadata extends Construct {
  readonly runs: DynamodbTable;
  readonly jobs: DynamodbTable;

  constructor(scope: Construct, id: string, props: MetadataProps) {
    super(scope, id);
    const { naming, config } = props;
    const common = {
      billingMode: 'PAY_PER_REQUEST',
      pointInTimeRecovery: { enabled: config.pointInTimeRecovery },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: config.deletionProtection,
    };
    this.runs = new DynamodbTable(this, 'runs', {
      ...common,
      name: naming.resources.runsTable,
      hashKey: 'pipeline_name',
      rangeKey: 'execution_date',
      attribute: [
        { name: 'pipeline_name', type: 'S' },
        { name: 'execution_date', type: 'S' },
        { name: 'status', type: 'S' },
        { name: 'started_at', type: 'S' },
      ],
      // "Which runs failed since yesterday?" without a scan.
      globalSecondaryIndex: [
        { name: 'status-started_at', hashKey: 'status', rangeKey: 'started_at', projectionType: 'ALL' },
      ],
    });
    this.jobs = new DynamodbTable(this, 'jobs', {
      ...common,
      name: naming.resources.jobsTable,
      hashKey: 'job_id',
      attribute: [{ name: 'job_id', type: 'S' }],
      ttl: { enabled: true, attributeName: 'expires_at' },
    });
  }
}

/** Statements for a writer of run records (the state machine, the processor). */
export function runsTableWrite(sid: string, tableArn: string): PolicyStatement {
  return { sid, actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [tableArn] };
}
