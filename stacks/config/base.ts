import type { EnvironmentConfig, EnvironmentName } from './types.ts';

// Values shared by every environment; each environment file overrides what differs.
export function baseConfig(environment: EnvironmentName): EnvironmentConfig {
  return {
    project: 'lakehouse',
    environment,
    account: '111111111111',
    region: 'eu-west-1',
    tags: { owner: 'data-platform', costCenter: 'data-platform', extra: {} },
    logRetentionDays: 30,
    storage: {
      forceDestroy: false,
      intelligentTieringAfterDays: 30,
      glacierAfterDays: 180,
      noncurrentVersionExpiryDays: 30,
      accessLogExpiryDays: 365,
      athenaResultsExpiryDays: 30,
    },
    catalog: { crawlerSchedule: 'cron(15 2 * * ? *)' },
    metadata: { pointInTimeRecovery: true, deletionProtection: true },
    workflow: { crawlerPollSeconds: 30, crawlerMaxPolls: 60 },
    transform: { computeType: 'BUILD_GENERAL1_SMALL', buildTimeoutMinutes: 60 },
    analytics: { bytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
    ingestion: {
      shardCount: 1,
      streamRetentionHours: 24,
      batchSize: 500,
      batchWindowSeconds: 5,
      lambdaMemoryMb: 512,
      lambdaTimeoutSeconds: 60,
      processorReservedConcurrency: 5,
      apiThrottleRatePerSecond: 100,
      apiThrottleBurst: 200,
      ingestEntry: 'src/handlers/ingest-api.ts',
      processorEntry: 'src/handlers/stream-processor.ts',
    },
    orchestration: {
      environmentClass: 'mw1.small',
      airflowVersion: '3.3.1',
      minWorkers: 1,
      maxWorkers: 2,
      vpcCidr: '10.40.0.0/16',
      availabilityZones: ['a', 'b'],
      natGateways: 1,
      dagsDir: 'dags',
      webserverAccess: 'PRIVATE_ONLY',
    },
    monitoring: { alertEmails: [], iteratorAgeAlarmMs: 60_000, dlqDepthAlarm: 1 },
    features: { mwaa: true, xrayTracing: true },
  };
}
