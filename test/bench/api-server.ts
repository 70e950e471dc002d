// The server side of `npm run bench:api`, in its own process so that it has a core to itself:
//   api  — the real ingest API (validation + durable append to the local stream)
//   bare — a bare Fastify endpoint that only replies 202 (the ceiling for this machine)
// Prints {"url"} when listening; on SIGTERM counts the events in the stream, lets the processor commit them to
// processed.events, and prints {"streamRecords","events","tableRows"}.
import Fastify from 'fastify';
import { envelopeRecords } from '../../src/api/envelope.ts';
import { createServer } from '../../src/api/server.ts';
import { IngestApi } from '../../src/api/service.ts';
import { loadContract } from '../../src/contracts/load.ts';
import { SqliteMetadataStore, metadataDbPath } from '../../src/metadata/index.ts';
import { LocalStream, LogReader, localStreamDir } from '../../src/stream/index.ts';
import { SqlCatalog } from '../../src/catalog/sql.ts';
import { Table } from '../../src/iceberg/table.ts';
import { drain, startLocalProcessor } from '../../src/pipeline/local-processor.ts';

const [mode, warehouse] = process.argv.slice(2) as ['api' | 'bare', string];
if (mode === 'bare') {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  app.post('/*', async (_request, reply) => reply.code(202).send({ status: 'accepted' }));
  process.stdout.write(JSON.stringify({ url: await app.listen({ host: '127.0.0.1', port: 0 }) }) + '\n');
  process.once('SIGTERM', () => void app.close().then(() => process.stdout.write('{}\n')));
} else {
  const stream = await LocalStream.open(warehouse, 'ingest');
  const metadata = new SqliteMetadataStore(metadataDbPath(warehouse));
  const api = new IngestApi({ contracts: [await loadContract('events')], stream, metadata });
  const app = createServer(api);
  process.stdout.write(JSON.stringify({ url: await app.listen({ host: '127.0.0.1', port: 0 }) }) + '\n');
  process.once('SIGTERM', () => {
    void (async () => {
      await app.close();
      await stream.close();
      await metadata.close();
      const reader = new LogReader(localStreamDir(warehouse, 'ingest'));
      let offset = 0;
      let streamRecords = 0;
      let events = 0;
      for (;;) {
        const entries = await reader.read(offset, 10_000);
        if (entries.length === 0) break;
        for (const entry of entries) events += envelopeRecords(entry.data).records.length;
        streamRecords += entries.length;
        offset += entries.length;
      }
      // Then the processor drains the stream into Iceberg, and the table's own row count closes the books.
      const catalog = new SqlCatalog({ warehouse, name: 'lakehouse' });
      const processorMetadata = new SqliteMetadataStore(metadataDbPath(warehouse));
      const { consumer } = await startLocalProcessor({
        warehouse,
        stream: 'ingest',
        contracts: [await loadContract('events')],
        catalog,
        metadata: processorMetadata,
        quarantine: { write: async () => undefined },
        maxBatchingWindowMs: 0,
      });
      await drain(consumer);
      const table = await Table.load(catalog, { namespace: 'processed', name: 'events' });
      const current = table.metadata.snapshots.find(
        (snap) => snap['snapshot-id'] === table.metadata['current-snapshot-id'],
      );
      const tableRows = Number(current?.summary['total-records'] ?? 0);
      await catalog.close();
      await processorMetadata.close();
      process.stdout.write(JSON.stringify({ streamRecords, events, tableRows }) + '\n');
    })();
  });
}
