import { baseConfig } from './base.ts';
import type { DeepPartial, EnvironmentConfig, EnvironmentName } from './types.ts';

// What each environment changes from the base. Account ids are placeholders (valid 12-digit strings) so synth works
// offline; real ids come from LAKEHOUSE_<ENV>_ACCOUNT or stacks/config/local.<env>.json.
export const ENVIRONMENT_OVERRIDES: Readonly<Record<EnvironmentName, DeepPartial<EnvironmentConfig>>> = {
  dev: {
    account: '111111111111',
    profile: 'ros-sandbox',
    logRetentionDays: 14,
    storage: {
      forceDestroy: true,
      noncurrentVersionExpiryDays: 7,
      accessLogExpiryDays: 30,
      athenaResultsExpiryDays: 7,
    },
    metadata: { pointInTimeRecovery: true, deletionProtection: false },
    analytics: { bytesScannedCutoffPerQuery: 1024 ** 3 },
    orchestration: { vpcCidr: '10.40.0.0/16', natGateways: 1, maxWorkers: 2 },
    monitoring: { alertEmails: ['data-platform-dev@example.com'] },
  },
  staging: {
    account: '222222222222',
    logRetentionDays: 30,
    ingestion: { shardCount: 1 },
    orchestration: { vpcCidr: '10.41.0.0/16', natGateways: 1, maxWorkers: 3 },
    monitoring: { alertEmails: ['data-platform-staging@example.com'] },
  },
  prod: {
    account: '333333333333',
    logRetentionDays: 90,
    storage: { noncurrentVersionExpiryDays: 90 },
    analytics: { bytesScannedCutoffPerQuery: 100 * 1024 ** 3 },
    ingestion: { shardCount: 2, streamRetentionHours: 72, lambdaMemoryMb: 1024, processorReservedConcurrency: 20 },
    orchestration: { vpcCidr: '10.42.0.0/16', natGateways: 2, maxWorkers: 5 },
    monitoring: { alertEmails: ['data-platform-oncall@example.com', 'data-platform@example.com'] },
    workflow: { crawlerMaxPolls: 120 },
    // prod's marts hold the full history: allow a longer full refresh.
    transform: { buildTimeoutMinutes: 120 },
  },
};

export function environmentDefaults(env: EnvironmentName): EnvironmentConfig {
  return deepMerge(baseConfig(env), ENVIRONMENT_OVERRIDES[env]);
}

/** Plain-object deep merge: objects merge key by key, arrays and scalars replace. */
export function deepMerge<T>(base: T, patch: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
