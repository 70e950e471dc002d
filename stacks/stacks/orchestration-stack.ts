import { DataAwsKmsKey } from '@cdktf/provider-aws/lib/data-aws-kms-key/index.js';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types.ts';
import { Orchestration } from '../constructs/orchestration.ts';
import { LakehouseStack } from '../lib/lakehouse-stack.ts';

/** MWAA and its network: the part that costs money every hour, hence its own stack and feature switch. */
export class OrchestrationStack extends LakehouseStack {
  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, { config, part: 'orchestration' });
    const key = new DataAwsKmsKey(this, 'data-key', { keyId: this.naming.dataKeyAlias });
    const orchestration = new Orchestration(this, 'airflow', {
      naming: this.naming,
      config: config.orchestration,
      kmsKeyArn: key.arn,
      logRetentionDays: config.logRetentionDays,
    });
    this.output('mwaa_webserver_url', orchestration.environment.webserverUrl, 'Airflow UI');
    this.output('mwaa_environment', orchestration.environment.name, 'MWAA environment name');
    this.output('vpc_id', orchestration.network.vpc.id, 'VPC of the Airflow environment');
  }
}
