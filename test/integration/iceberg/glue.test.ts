// The Glue catalog against moto's server over real HTTP (AWS SDK v3 clients with an endpoint override), with the
// table's files in moto's S3: create, append, and a forced VersionId conflict — another writer commits between our
// GetTable and UpdateTable — that is retried on the new base and lands without dropping the other snapshot.
// pyiceberg's own GlueCatalog then reads the table back.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlueCatalog } from '../../../src/catalog/glue.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import type { Contract } from '../../../src/contracts/model.ts';
import { withLineage } from '../../../src/iceberg/lineage.ts';
import { ancestors } from '../../../src/iceberg/metadata.ts';
import { Table } from '../../../src/iceberg/table.ts';
import { S3FileIO } from '../../../src/io/s3.ts';
import type { RecordBatch } from '../../../src/records/batch.ts';
import { processInput } from '../../../src/records/pipeline.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { check, runCli, writeLines } from './helpers.ts';
import { startMotoGlue, type MotoServer } from './moto-glue.ts';
import { join } from 'node:path';

const identifier = { namespace: 'lake', name: 'events' };
const warehouse = 's3://lakehouse-test/warehouse';

describe('GlueCatalog against moto', () => {
  const dir = tempDir('lakehouse-glue-');
  let moto: MotoServer;
  let contract: Contract;
  const clients: { glue: GlueClient; s3: S3Client }[] = [];

  function catalog(): GlueCatalog {
    const config = {
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    const glue = new GlueClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    clients.push({ glue, s3 });
    return new GlueCatalog({ warehouse, client: glue, io: new S3FileIO(s3) });
  }

  async function batch(seed: number): Promise<RecordBatch> {
    const file = writeLines(join(dir, `${seed}.ndjson`), eventRecords(100, { seed, invalidRate: 0 }));
    const { chunks } = await processInput(file, contract);
    for await (const chunk of chunks) return withLineage(chunk.batch, file, 1_700_000_000_000_000n);
    throw new Error('no batch');
  }

  beforeAll(async () => {
    moto = await startMotoGlue();
    contract = await loadContract('events');
    const setup = catalog();
    await (setup.io as S3FileIO).client.send(new CreateBucketCommand({ Bucket: 'lakehouse-test' }));
  });

  afterAll(async () => {
    for (const c of clients) {
      c.glue.destroy();
      c.s3.destroy();
    }
    await moto?.stop();
  });

  it('creates an Iceberg table in Glue with field ids on its columns, and appends', async () => {
    const glue = catalog();
    const table = await Table.create(glue, identifier, contract);
    const created = table.metadataLocation;
    const got = await glue.client.send(new GetTableCommand({ DatabaseName: 'lake', Name: 'events' }));
    expect(got.Table?.Parameters).toMatchObject({ table_type: 'ICEBERG', metadata_location: table.metadataLocation });
    expect(table.metadataLocation).toMatch(/^s3:\/\/lakehouse-test\/warehouse\/lake\/events\/metadata\/00000-/);
    const columns = got.Table?.StorageDescriptor?.Columns ?? [];
    expect(columns.map((c) => [c.Name, c.Parameters?.['iceberg.field.id']])).toEqual([
      ...contract.fields.map((f) => [f.name, String(f.id)]),
      ['_ingested_at', '10001'],
      ['_source', '10002'],
    ]);
    expect(columns.find((c) => c.Name === 'amount')?.Type).toBe('decimal(12,2)');
    const result = await table.append(await batch(1));
    expect(result.noop).toBe(false);
    const after = await glue.client.send(new GetTableCommand({ DatabaseName: 'lake', Name: 'events' }));
    expect(after.Table?.Parameters).toMatchObject({
      metadata_location: result.metadataLocation,
      previous_metadata_location: created,
    });
  });

  it('retries a forced VersionId conflict on the new base and keeps both writers’ snapshots', async () => {
    const a = catalog();
    const b = catalog();
    const tableA = await Table.load(a, identifier);
    const tableB = await Table.load(b, identifier);
    const batchA = await batch(2);
    const batchB = await batch(3);
    let conflicts = 0;
    let injected: Promise<unknown> | undefined;
    // Writer B commits right after writer A's GetTable, before A's UpdateTable: A's VersionId is stale.
    a.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateTableCommand' && !injected) {
          injected = tableB.append(batchB);
          await injected;
        }
        try {
          return await next(args);
        } catch (error) {
          if ((error as Error).name === 'ConcurrentModificationException') conflicts++;
          throw error;
        }
      },
      { step: 'initialize', name: 'injectConcurrentWriter' },
    );
    const resultA = await tableA.append(batchA);
    const resultB = (await injected) as { snapshotId: bigint };
    expect(conflicts).toBe(1);
    expect(resultA.attempts).toBe(2);
    const final = await Table.load(a, identifier);
    const chain = ancestors(final.metadata).map((s) => s['snapshot-id']);
    expect(chain[0]).toBe(resultA.snapshotId);
    expect(chain[1]).toBe(resultB.snapshotId);
    expect(chain).toHaveLength(3);
    expect(final.metadata.snapshots.at(-1)?.summary['total-records']).toBe('300');

    const report = check({
      glue: { endpoint: moto.endpoint },
      scans: [{ table: 'lake.events', count_only: true }],
      inspect: ['lake.events'],
    });
    expect(report.scans[0]?.num_rows).toBe(300);
    expect(report.inspect['lake.events']?.snapshots.map((s) => s.snapshot_id)).toEqual(
      [...chain].reverse().map(String),
    );
  });

  it('ingests through `lakehouse ingest --catalog glue` with an s3:// warehouse', async () => {
    const file = writeLines(join(dir, 'cli.ndjson'), eventRecords(80, { seed: 9, invalidRate: 0 }));
    const run = await runCli(
      [
        'ingest',
        file,
        '--table',
        'lake.cli_events',
        '--contract',
        'events',
        '--catalog',
        'glue',
        '--warehouse',
        warehouse,
        '--quarantine',
        join(dir, 'quarantine'),
      ],
      {
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { committed: boolean; accepted: number; metadata_location: string };
    expect(out).toMatchObject({ committed: true, accepted: 80 });
    expect(out.metadata_location).toMatch(/^s3:\/\/lakehouse-test\/warehouse\/lake\/cli_events\/metadata\/00001-/);
    const report = check({
      glue: { endpoint: moto.endpoint },
      scans: [{ table: 'lake.cli_events', count_only: true }],
    });
    expect(report.scans[0]?.num_rows).toBe(80);
  });
});
