import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api/index.js';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration/index.js';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route/index.js';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage/index.js';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream/index.js';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { Construct } from 'constructs';
import type { IngestionConfig } from '../config/types.ts';
import { kmsUse, s3ReadWrite } from '../lib/grants.ts';
import { LAYERS, type Naming } from '../lib/naming.ts';
import { BundledFunction } from './bundled-function.ts';

export interface IngestionProps {
  readonly naming: Naming;
  readonly config: IngestionConfig;
  readonly kmsKeyArn: string;
  readonly logRetentionDays: number;
  readonly xrayTracing: boolean;
}

/** HTTP API → ingest Lambda → Kinesis → processor Lambda (partial batch failures, bisect, DLQ) → Iceberg tables. */
export class Ingestion extends Construct {
  readonly stream: KinesisStream;
  readonly dlq: SqsQueue;
  readonly ingest: BundledFunction;
  readonly processor: BundledFunction;
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const { naming, config } = props;
    const names = naming.resources;
    const runsArn = naming.arn('dynamodb', `table/${names.runsTable}`);
    const jobsArn = naming.arn('dynamodb', `table/${names.jobsTable}`);
    const lakeArn = naming.bucketArn(names.lakeBucket);

    this.stream = new KinesisStream(this, 'stream', {
      name: names.stream,
      shardCount: config.shardCount,
      retentionPeriod: config.streamRetentionHours,
      encryptionType: 'KMS',
      kmsKeyId: props.kmsKeyArn,
      streamModeDetails: { streamMode: 'PROVISIONED' },
      shardLevelMetrics: ['IncomingRecords', 'IteratorAgeMilliseconds'],
    });
    this.dlq = new SqsQueue(this, 'dlq', {
      name: naming.name('processor-dlq'),
      kmsMasterKeyId: props.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    const tableEnv = { LAKEHOUSE_RUNS_TABLE: names.runsTable, LAKEHOUSE_JOBS_TABLE: names.jobsTable };
    const common = {
      naming,
      artifactsBucket: names.artifactsBucket,
      kmsKeyArn: props.kmsKeyArn,
      memoryMb: config.lambdaMemoryMb,
      timeoutSeconds: config.lambdaTimeoutSeconds,
      logRetentionDays: props.logRetentionDays,
      xrayTracing: props.xrayTracing,
    };
    this.ingest = new BundledFunction(this, 'ingest', {
      ...common,
      name: 'ingest-api',
      entry: config.ingestEntry,
      description: 'HTTP ingest: validates envelopes, writes to Kinesis, records jobs',
      environment: { ...tableEnv, LAKEHOUSE_STREAM_NAME: names.stream },
      statements: [
        {
          sid: 'PutRecords',
          // DescribeStreamSummary: GET /health reports whether the stream is active.
          actions: ['kinesis:DescribeStreamSummary', 'kinesis:PutRecord', 'kinesis:PutRecords'],
          resources: [this.stream.arn],
        },
        {
          sid: 'JobsAndRuns',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          resources: [runsArn, `${runsArn}/index/*`, jobsArn],
        },
        kmsUse('DataKey', props.kmsKeyArn),
      ],
    });
    const catalogResources = [
      naming.arn('glue', 'catalog'),
      ...LAYERS.map((l) => naming.arn('glue', `database/${naming.database(l)}`)),
      ...LAYERS.map((l) => naming.arn('glue', `table/${naming.database(l)}/*`)),
    ];
    this.processor = new BundledFunction(this, 'processor', {
      ...common,
      name: 'stream-processor',
      entry: config.processorEntry,
      description: 'Kinesis batches → validated records → raw and processed Iceberg tables',
      reservedConcurrency: config.processorReservedConcurrency,
      environment: {
        ...tableEnv,
        LAKEHOUSE_STREAM_NAME: names.stream,
        LAKEHOUSE_WAREHOUSE: naming.icebergWarehouse,
        LAKEHOUSE_QUARANTINE: `s3://${names.lakeBucket}/quarantine`,
        LAKEHOUSE_RAW_DATABASE: naming.database('raw'),
        LAKEHOUSE_PROCESSED_DATABASE: naming.database('processed'),
      },
      statements: [
        {
          sid: 'ReadStream',
          actions: [
            'kinesis:DescribeStream',
            'kinesis:DescribeStreamSummary',
            'kinesis:GetRecords',
            'kinesis:GetShardIterator',
            'kinesis:ListShards',
            'kinesis:SubscribeToShard',
          ],
          resources: [this.stream.arn],
        },
        { sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [this.dlq.arn] },
        ...s3ReadWrite('Warehouse', lakeArn, 'iceberg/'),
        ...s3ReadWrite('Quarantine', lakeArn, 'quarantine/'),
        {
          sid: 'IcebergCatalog',
          // CreateDatabase: the catalog ensures its database before a table's first commit (AlreadyExists is fine).
          actions: [
            'glue:CreateDatabase',
            'glue:CreateTable',
            'glue:GetDatabase',
            'glue:GetTable',
            'glue:GetTables',
            'glue:UpdateTable',
          ],
          resources: catalogResources,
        },
        {
          sid: 'JobsAndRuns',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          resources: [runsArn, `${runsArn}/index/*`, jobsArn],
        },
        kmsUse('DataKey', props.kmsKeyArn),
      ],
    });
    new LambdaEventSourceMapping(this, 'processor-source', {
      functionName: this.processor.function.arn,
      eventSourceArn: this.stream.arn,
      startingPosition: 'TRIM_HORIZON',
      batchSize: config.batchSize,
      maximumBatchingWindowInSeconds: config.batchWindowSeconds,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      maximumRecordAgeInSeconds: 24 * 3600,
      functionResponseTypes: ['ReportBatchItemFailures'],
      destinationConfig: { onFailure: { destinationArn: this.dlq.arn } },
    });

    const accessLogs = new CloudwatchLogGroup(this, 'api-access-logs', {
      name: `/aws/apigateway/${naming.name('ingest-api')}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.api = new Apigatewayv2Api(this, 'api', {
      name: naming.name('ingest-api'),
      protocolType: 'HTTP',
      description: 'Lakehouse ingest API',
    });
    const integration = new Apigatewayv2Integration(this, 'integration', {
      apiId: this.api.id,
      integrationType: 'AWS_PROXY',
      integrationUri: this.ingest.function.invokeArn,
      payloadFormatVersion: '2.0',
      timeoutMilliseconds: 29_000,
    });
    for (const route of [
      'POST /v1/datasets/{dataset}/records',
      'GET /v1/jobs/{jobId}',
      'GET /health',
      'GET /openapi.json',
      // Everything else reaches the Lambda too, so an unknown path or a wrong method gets the API's own 404/405
      // problem details (RFC 9457) rather than API Gateway's bare answer.
      '$default',
    ])
      new Apigatewayv2Route(this, `route-${route.replace(/[^a-z]+/gi, '-').toLowerCase()}`, {
        apiId: this.api.id,
        routeKey: route,
        target: `integrations/${integration.id}`,
        // Callers sign requests with SigV4; the API is not open to the internet.
        authorizationType: 'AWS_IAM',
      });
    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: '$default',
      autoDeploy: true,
      defaultRouteSettings: {
        throttlingRateLimit: config.apiThrottleRatePerSecond,
        throttlingBurstLimit: config.apiThrottleBurst,
        detailedMetricsEnabled: true,
      },
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          routeKey: '$context.routeKey',
          status: '$context.status',
          latency: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
        }),
      },
    });
    new LambdaPermission(this, 'api-invoke', {
      statementId: 'AllowHttpApi',
      action: 'lambda:InvokeFunction',
      functionName: this.ingest.function.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/*/*`,
    });
  }
}
