import { ENVIRONMENTS, type EnvironmentConfig } from './types.ts';

/** Every problem with an environment's configuration, as one error, so a bad override is fixed in one go. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(environment: string, problems: readonly string[]) {
    super(`invalid configuration for environment "${environment}":\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const NAME = /^[a-z][a-z0-9-]{1,14}$/;
const CIDR16 = /^10\.(\d{1,3})\.0\.0\/16$/;
// CloudWatch Logs accepts only these retention values.
const LOG_RETENTION = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** CodeBuild's queue timeout for the dbt build (its minimum is 5 minutes). */
export const BUILD_QUEUED_TIMEOUT_MINUTES = 30;
/** The transform DAG waits 3 hours (dags/transform_on_snapshot.py); queueing and the build must fit in it. */
export const MAX_BUILD_TIMEOUT_MINUTES = 180 - BUILD_QUEUED_TIMEOUT_MINUTES;

export function validateConfig(config: EnvironmentConfig): EnvironmentConfig {
  const problems: string[] = [];
  const check = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  const int = (path: string, value: unknown, min: number, max: number): void =>
    check(
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      `${path} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );

  check(NAME.test(config.project), `project must match ${NAME}, got ${JSON.stringify(config.project)}`);
  check(
    (ENVIRONMENTS as readonly string[]).includes(config.environment),
    `environment must be one of ${ENVIRONMENTS.join(', ')}`,
  );
  check(
    /^\d{12}$/.test(config.account),
    `account must be a 12-digit AWS account id, got ${JSON.stringify(config.account)}`,
  );
  check(REGION.test(config.region), `region must look like eu-west-1, got ${JSON.stringify(config.region)}`);
  check(
    config.profile === undefined || (typeof config.profile === 'string' && config.profile.length > 0),
    'profile must be a non-empty string when set',
  );
  check(typeof config.tags.owner === 'string' && config.tags.owner.length > 0, 'tags.owner must be set');
  check(typeof config.tags.costCenter === 'string' && config.tags.costCenter.length > 0, 'tags.costCenter must be set');
  for (const [key, value] of Object.entries(config.tags.extra))
    check(typeof value === 'string', `tags.extra.${key} must be a string`);
  check(
    LOG_RETENTION.includes(config.logRetentionDays),
    `logRetentionDays must be one of CloudWatch's values (${LOG_RETENTION.join(', ')}), got ${config.logRetentionDays}`,
  );

  const s = config.storage;
  check(typeof s.forceDestroy === 'boolean', 'storage.forceDestroy must be a boolean');
  int('storage.intelligentTieringAfterDays', s.intelligentTieringAfterDays, 0, 3650);
  int('storage.glacierAfterDays', s.glacierAfterDays, 1, 3650);
  check(
    s.glacierAfterDays > s.intelligentTieringAfterDays,
    'storage.glacierAfterDays must be after storage.intelligentTieringAfterDays',
  );
  int('storage.noncurrentVersionExpiryDays', s.noncurrentVersionExpiryDays, 1, 3650);
  int('storage.accessLogExpiryDays', s.accessLogExpiryDays, 1, 3650);
  int('storage.athenaResultsExpiryDays', s.athenaResultsExpiryDays, 1, 3650);
  check(/^cron\(.+\)$/.test(config.catalog.crawlerSchedule), 'catalog.crawlerSchedule must be a cron(...) expression');

  const w = config.workflow;
  int('workflow.crawlerPollSeconds', w.crawlerPollSeconds, 5, 3600);
  int('workflow.crawlerMaxPolls', w.crawlerMaxPolls, 1, 1000);
  const t = config.transform;
  check(
    ['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_MEDIUM', 'BUILD_GENERAL1_LARGE'].includes(t.computeType),
    `transform.computeType must be BUILD_GENERAL1_SMALL, _MEDIUM or _LARGE, got ${JSON.stringify(t.computeType)}`,
  );
  // CodeBuild accepts 5–2160 minutes; the upper bound here keeps build plus queueing inside the DAG's 3-hour wait.
  int('transform.buildTimeoutMinutes', t.buildTimeoutMinutes, 5, MAX_BUILD_TIMEOUT_MINUTES);
  int(
    'analytics.bytesScannedCutoffPerQuery',
    config.analytics.bytesScannedCutoffPerQuery,
    10_000_000,
    Number.MAX_SAFE_INTEGER,
  );

  const i = config.ingestion;
  int('ingestion.shardCount', i.shardCount, 1, 100);
  int('ingestion.streamRetentionHours', i.streamRetentionHours, 24, 8760);
  int('ingestion.batchSize', i.batchSize, 1, 10_000);
  int('ingestion.batchWindowSeconds', i.batchWindowSeconds, 0, 300);
  int('ingestion.lambdaMemoryMb', i.lambdaMemoryMb, 128, 10_240);
  int('ingestion.lambdaTimeoutSeconds', i.lambdaTimeoutSeconds, 1, 900);
  int('ingestion.processorReservedConcurrency', i.processorReservedConcurrency, 1, 1000);
  int('ingestion.apiThrottleRatePerSecond', i.apiThrottleRatePerSecond, 1, 10_000);
  int('ingestion.apiThrottleBurst', i.apiThrottleBurst, 1, 5000);
  check(typeof i.ingestEntry === 'string' && i.ingestEntry.length > 0, 'ingestion.ingestEntry must be a file path');
  check(
    typeof i.processorEntry === 'string' && i.processorEntry.length > 0,
    'ingestion.processorEntry must be a file path',
  );

  const o = config.orchestration;
  check(
    ['mw1.small', 'mw1.medium', 'mw1.large'].includes(o.environmentClass),
    'orchestration.environmentClass is not an MWAA class',
  );
  check(/^\d+\.\d+\.\d+$/.test(o.airflowVersion), 'orchestration.airflowVersion must be x.y.z');
  int('orchestration.minWorkers', o.minWorkers, 1, 25);
  int('orchestration.maxWorkers', o.maxWorkers, o.minWorkers, 25);
  check(CIDR16.test(o.vpcCidr), `orchestration.vpcCidr must be a 10.x.0.0/16 block, got ${JSON.stringify(o.vpcCidr)}`);
  const azs: readonly unknown[] = Array.isArray(o.availabilityZones) ? o.availabilityZones : [];
  check(
    azs.length === 2 && new Set(azs).size === 2 && azs.every((z) => typeof z === 'string' && /^[a-z]$/.test(z)),
    `orchestration.availabilityZones must be two different zone letters, got ${JSON.stringify(o.availabilityZones)}`,
  );
  check(o.natGateways === 1 || o.natGateways === 2, 'orchestration.natGateways must be 1 or 2');
  check(typeof o.dagsDir === 'string' && o.dagsDir.length > 0, 'orchestration.dagsDir must be a folder path');
  check(
    ['PRIVATE_ONLY', 'PUBLIC_ONLY'].includes(o.webserverAccess),
    'orchestration.webserverAccess must be PRIVATE_ONLY or PUBLIC_ONLY',
  );

  const m = config.monitoring;
  check(Array.isArray(m.alertEmails), 'monitoring.alertEmails must be a list');
  for (const email of m.alertEmails)
    check(EMAIL.test(email), `monitoring.alertEmails has an invalid address ${JSON.stringify(email)}`);
  int('monitoring.iteratorAgeAlarmMs', m.iteratorAgeAlarmMs, 1000, 86_400_000);
  int('monitoring.dlqDepthAlarm', m.dlqDepthAlarm, 1, 1_000_000);
  check(typeof config.features.mwaa === 'boolean', 'features.mwaa must be a boolean');
  check(typeof config.features.xrayTracing === 'boolean', 'features.xrayTracing must be a boolean');

  if (problems.length > 0) throw new ConfigError(config.environment, problems);
  return config;
}
