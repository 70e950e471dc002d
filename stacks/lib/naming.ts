import type { EnvironmentConfig } from '../config/types.ts';

export const LAYERS = ['raw', 'processed', 'curated'] as const;
export type Layer = (typeof LAYERS)[number];

/**
 * The layers whose tables the stream processor commits to Iceberg (src/processor: raw and processed namespaces).
 * Their crawlers scan the warehouse folders of those namespaces. The curated layer is dbt's: Athena registers
 * each model as it builds it, in dbt's own databases, so there is nothing there for a crawler to find.
 */
export const CRAWLED_LAYERS = ['raw', 'processed'] as const satisfies readonly Layer[];
export type CrawledLayer = (typeof CRAWLED_LAYERS)[number];

/**
 * Every physical name in every stack comes from here, so stacks can refer to each other's resources by name
 * (deterministic ARNs) without cross-stack remote state, and a property test can check that nothing escaped.
 */
export class Naming {
  readonly project: string;
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly partition = 'aws';

  constructor(config: Pick<EnvironmentConfig, 'project' | 'environment' | 'account' | 'region'>) {
    this.project = config.project;
    this.environment = config.environment;
    this.account = config.account;
    this.region = config.region;
  }

  /** `lakehouse-dev` — the prefix every name starts with. */
  get prefix(): string {
    return `${this.project}-${this.environment}`;
  }

  /** `lakehouse-dev-<part>` for resources named per account and region. */
  name(part: string): string {
    return `${this.prefix}-${part}`;
  }

  /** Stack names: `cdktf deploy 'lakehouse-dev-*'` matches every stack of an environment. */
  stack(part: string): string {
    return this.name(part);
  }

  /** Bucket names are global: suffix account and region so two accounts never collide. */
  bucket(part: string): string {
    const name = `${this.prefix}-${part}-${this.account}-${this.region}`;
    if (name.length > 63) throw new Error(`bucket name ${name} is longer than S3's 63 characters`);
    return name;
  }

  /** Glue and Athena identifiers allow no hyphens. */
  glue(part: string): string {
    return `${this.gluePrefix}_${part}`.replace(/-/g, '_');
  }

  /** `lakehouse_dev`: dbt's Athena schemas are `<prefix>_staging`, `<prefix>_marts`, … (dbt_project/profiles.yml). */
  get gluePrefix(): string {
    return `${this.project}_${this.environment}`.replace(/-/g, '_');
  }

  database(layer: Layer): string {
    return this.glue(layer);
  }

  crawler(layer: CrawledLayer): string {
    return this.name(`${layer}-crawler`);
  }

  /** The processor's Iceberg warehouse (its `LAKEHOUSE_WAREHOUSE`): tables are `<warehouse>/<database>/<table>/`. */
  get icebergWarehouse(): string {
    return `s3://${this.resources.lakeBucket}/iceberg`;
  }

  /** The lake-bucket key prefix under which a layer's Iceberg tables live (the namespace folder of the warehouse). */
  icebergPrefix(layer: Layer): string {
    return `iceberg/${this.database(layer)}/`;
  }

  get dataKeyAlias(): string {
    return `alias/${this.name('data')}`;
  }

  get stateBucket(): string {
    return this.bucket('tfstate');
  }

  bucketArn(bucket: string): string {
    return `arn:${this.partition}:s3:::${bucket}`;
  }

  arn(service: string, resource: string, options: { region?: boolean } = {}): string {
    const region = options.region === false ? '' : this.region;
    return `arn:${this.partition}:${service}:${region}:${this.account}:${resource}`;
  }

  /** The names other stacks look up, in one place. */
  get resources(): LakehouseResourceNames {
    return {
      lakeBucket: this.bucket('lake'),
      logsBucket: this.bucket('access-logs'),
      dagsBucket: this.bucket('dags'),
      athenaResultsBucket: this.bucket('athena-results'),
      artifactsBucket: this.bucket('artifacts'),
      runsTable: this.name('runs'),
      jobsTable: this.name('jobs'),
      stream: this.name('ingest'),
      workgroup: this.name('analytics'),
      stateMachine: this.name('pipeline'),
      transformStateMachine: this.name('transform'),
      dbtProject: this.name('dbt'),
      alertTopic: this.name('alerts'),
      mwaa: this.name('airflow'),
    };
  }
}

export interface LakehouseResourceNames {
  readonly lakeBucket: string;
  readonly logsBucket: string;
  readonly dagsBucket: string;
  readonly athenaResultsBucket: string;
  readonly artifactsBucket: string;
  readonly runsTable: string;
  readonly jobsTable: string;
  readonly stream: string;
  readonly workgroup: string;
  readonly stateMachine: string;
  readonly transformStateMachine: string;
  /** The CodeBuild project that runs dbt. */
  readonly dbtProject: string;
  readonly alertTopic: string;
  readonly mwaa: string;
}
