// The DynamoDB metadata store against moto's server, with the tables created as the stacks define them, then the
// same contract suite the SQLite store passes.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoMetadataStore,
  JOBS_TTL_ATTRIBUTE,
  jobsTableDefinition,
  RUNS_STATUS_INDEX,
  runsTableDefinition,
} from '../../../src/metadata/dynamodb.ts';
import { describeMetadataContract } from '../../unit/metadata/contract.ts';
import { startMoto } from '../../helpers/moto.ts';
import type { Moto } from '../../helpers/moto.ts';

let moto: Moto;
let client: DynamoDBClient;
const runsTable = 'lakehouse-pipeline-runs';
const jobsTable = 'lakehouse-api-jobs';

beforeAll(async () => {
  moto = await startMoto();
  client = new DynamoDBClient(moto.clientConfig);
  await client.send(new CreateTableCommand(runsTableDefinition(runsTable)));
  await client.send(new CreateTableCommand(jobsTableDefinition(jobsTable)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: jobsTable,
      TimeToLiveSpecification: { AttributeName: JOBS_TTL_ATTRIBUTE, Enabled: true },
    }),
  );
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

describe('DynamoDB tables', () => {
  it('have the key schema, index and TTL the stacks are told about', async () => {
    const runs = await client.send(new DescribeTableCommand({ TableName: runsTable }));
    expect(runs.Table?.KeySchema).toEqual([
      { AttributeName: 'pipeline_name', KeyType: 'HASH' },
      { AttributeName: 'execution_date', KeyType: 'RANGE' },
    ]);
    expect(runs.Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: RUNS_STATUS_INDEX,
      KeySchema: [
        { AttributeName: 'status', KeyType: 'HASH' },
        { AttributeName: 'started_at', KeyType: 'RANGE' },
      ],
    });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: jobsTable }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expires_at', TimeToLiveStatus: 'ENABLED' });
  });
});

describeMetadataContract('DynamoDB (moto server)', () =>
  Promise.resolve(new DynamoMetadataStore({ client, runsTable, jobsTable })),
);
