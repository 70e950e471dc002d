// Lambda behind the API Gateway HTTP API: translates the v2 event to the API's dispatcher (find-my-way routing,
// parameter schemas, the operations) and back. No logic lives here;
// dependencies are built once per container from the environment the stacks set.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DEFAULT_MAX_BODY_BYTES } from '../api/limits.ts';
import { createDispatch, type Dispatch } from '../api/dispatch.ts';
import { renderResponse } from '../api/http.ts';
import { IngestApi } from '../api/service.ts';
import { BUILTIN_CONTRACTS, loadContract } from '../contracts/load.ts';
import { DynamoMetadataStore } from '../metadata/dynamodb.ts';
import { KinesisStream } from '../stream/kinesis.ts';
import { positiveIntEnv, requiredEnv } from './env.ts';

export interface AwsClientConfigs {
  readonly kinesis?: KinesisClientConfig;
  readonly dynamodb?: DynamoDBClientConfig;
}

/** The API wired to Kinesis and DynamoDB as named by the environment (LAKEHOUSE_STREAM_NAME, …_RUNS_TABLE, …_JOBS_TABLE). */
export async function ingestApiFromEnv(clients: AwsClientConfigs = {}): Promise<IngestApi> {
  const contracts = await Promise.all(BUILTIN_CONTRACTS.map((name) => loadContract(name)));
  return new IngestApi({
    contracts,
    stream: new KinesisStream({
      client: new KinesisClient(clients.kinesis ?? {}),
      streamName: requiredEnv('LAKEHOUSE_STREAM_NAME'),
    }),
    metadata: new DynamoMetadataStore({
      client: new DynamoDBClient(clients.dynamodb ?? {}),
      runsTable: requiredEnv('LAKEHOUSE_RUNS_TABLE'),
      jobsTable: requiredEnv('LAKEHOUSE_JOBS_TABLE'),
    }),
    maxBodyBytes: positiveIntEnv('LAKEHOUSE_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
  });
}

export function createIngestHandler(
  build: () => Promise<IngestApi>,
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  let dispatch: Promise<Dispatch> | undefined;
  return async (event) => {
    dispatch ??= build().then(createDispatch);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
    const response = renderResponse(
      await (
        await dispatch
      )({
        method: event.requestContext.http.method,
        path: event.rawPath,
        query: event.rawQueryString ?? '',
        headers,
        body,
      }),
    );
    return { statusCode: response.status, headers: response.headers, body: response.body };
  };
}

export const handler = createIngestHandler(() => ingestApiFromEnv());
