// The typed shape of one environment. Every value a stack uses comes from here (or from the naming helper built on
// it), so a review of an environment is a review of one object.

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export interface TagConfig {
  /** Team or person answering for the resources (tag `owner`). */
  readonly owner: string;
  /** Billing code (tag `cost-center`). */
  readonly costCenter: string;
  /** Any further tags put on every resource through the provider's default_tags. */
  readonly extra: Readonly<Record<string, string>>;
}

export interface StorageConfig {
  /** Opt-in for deleting non-empty buckets on destroy; never on for data an environment must keep. */
  readonly forceDestroy: boolean;
  readonly intelligentTieringAfterDays: number;
  readonly glacierAfterDays: number;
  readonly noncurrentVersionExpiryDays: number;
  readonly accessLogExpiryDays: number;
  readonly athenaResultsExpiryDays: number;
}

export interface CatalogConfig {
  /** Glue crawler cron expression, e.g. `cron(15 2 * * ? *)`. */
  readonly crawlerSchedule: string;
}

export interface MetadataConfig {
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
}

export interface WorkflowConfig {
  readonly crawlerPollSeconds: number;
  /** Upper bound on GetCrawler polls per crawler; reaching it fails the run instead of waiting forever. */
  readonly crawlerMaxPolls: number;
}

export interface TransformConfig {
  /** CodeBuild compute for the dbt build; dbt mostly waits on Athena, so the smallest size is usually enough. */
  readonly computeType: 'BUILD_GENERAL1_SMALL' | 'BUILD_GENERAL1_MEDIUM' | 'BUILD_GENERAL1_LARGE';
  /**
   * CodeBuild's build timeout. With the queue timeout it must fit inside the 3 hours the transform DAG's sensor
   * waits, or Airflow gives up on a build that is still running.
   */
  readonly buildTimeoutMinutes: number;
}

export interface AnalyticsConfig {
  readonly bytesScannedCutoffPerQuery: number;
}

export interface IngestionConfig {
  readonly shardCount: number;
  readonly streamRetentionHours: number;
  readonly batchSize: number;
  readonly batchWindowSeconds: number;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSeconds: number;
  readonly processorReservedConcurrency: number;
  readonly apiThrottleRatePerSecond: number;
  readonly apiThrottleBurst: number;
  /** Handler entry files bundled by esbuild at synth (relative to the repo root or absolute). */
  readonly ingestEntry: string;
  readonly processorEntry: string;
}

export interface OrchestrationConfig {
  readonly environmentClass: 'mw1.small' | 'mw1.medium' | 'mw1.large';
  readonly airflowVersion: string;
  readonly minWorkers: number;
  readonly maxWorkers: number;
  readonly vpcCidr: string;
  /** Zone letters of the two private subnets (MWAA needs exactly two AZs), e.g. ['a', 'b'] → eu-west-1a/b. */
  readonly availabilityZones: readonly string[];
  /** One NAT gateway (cheaper) or one per AZ (survives an AZ outage). */
  readonly natGateways: 1 | 2;
  /** Folder whose `*.py` files and `requirements.txt` are uploaded to the DAGs bucket. */
  readonly dagsDir: string;
  readonly webserverAccess: 'PRIVATE_ONLY' | 'PUBLIC_ONLY';
}

export interface MonitoringConfig {
  readonly alertEmails: readonly string[];
  readonly iteratorAgeAlarmMs: number;
  readonly dlqDepthAlarm: number;
}

export interface FeatureSwitches {
  /** MWAA costs money every hour it exists; dev can switch the orchestration stack off. */
  readonly mwaa: boolean;
  readonly xrayTracing: boolean;
}

export interface EnvironmentConfig {
  readonly project: string;
  readonly environment: EnvironmentName;
  /** 12-digit AWS account id; committed values are placeholders, overridden per developer/CI. */
  readonly account: string;
  readonly region: string;
  /** AWS CLI profile for the provider and the state backend; absent means the default credential chain. */
  readonly profile?: string;
  readonly tags: TagConfig;
  readonly logRetentionDays: number;
  readonly storage: StorageConfig;
  readonly catalog: CatalogConfig;
  readonly metadata: MetadataConfig;
  readonly workflow: WorkflowConfig;
  /** The dbt build (CodeBuild) the transform state machine runs. */
  readonly transform: TransformConfig;
  readonly analytics: AnalyticsConfig;
  readonly ingestion: IngestionConfig;
  readonly orchestration: OrchestrationConfig;
  readonly monitoring: MonitoringConfig;
  readonly features: FeatureSwitches;
}

/** A partial, deeply optional view used by the local file and env overrides. */
export type DeepPartial<T> = {
  -readonly [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
