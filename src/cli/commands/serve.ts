import type { Command } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../api/limits.ts';
import { createServer } from '../../api/server.ts';
import { IngestApi } from '../../api/service.ts';
import { SqlCatalog } from '../../catalog/sql.ts';
import { BUILTIN_CONTRACTS, loadContract } from '../../contracts/load.ts';
import { SqliteMetadataStore, metadataDbPath } from '../../metadata/index.ts';
import { LocalStream } from '../../stream/index.ts';
import { parsePositiveInt, printSummary } from '../output.ts';

export const INGEST_STREAM = 'ingest';

interface ServeOptions {
  warehouse?: string;
  host: string;
  port: number;
  apiKey?: string;
  maxBodyMb: number;
  requestTimeout: number;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the ingest API locally: POST records, they are validated and appended to the local stream')
    .option('--warehouse <dir>', 'warehouse directory (default $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', parsePositiveInt('--port'), 8080)
    .option('--api-key <key>', 'require this x-api-key header (default: no authentication; or $LAKEHOUSE_API_KEY)')
    .option('--max-body-mb <n>', 'largest accepted body', parsePositiveInt('--max-body-mb'), 5)
    .option(
      '--request-timeout <seconds>',
      'a request (headers and body) must arrive within this, else 408 and the connection is closed (0: no limit)',
      parsePositiveInt('--request-timeout'),
      DEFAULT_REQUEST_TIMEOUT_MS / 1000,
    )
    .addHelpText(
      'after',
      '\nRoutes: POST /v1/datasets/{dataset}/records[?mode=partial] (application/json, application/x-ndjson,\n' +
        '        text/csv), GET /v1/jobs/{jobId}, GET /health, GET /openapi.json, GET /docs (interactive).\n' +
        'Errors are application/problem+json (RFC 9457); see docs/api.md.\n' +
        'Prints {"url": …} on stdout once listening; stops on SIGINT/SIGTERM.',
    )
    .action(async (opts: ServeOptions) => {
      const warehouse = resolve(opts.warehouse ?? process.env.LAKEHOUSE_HOME ?? '.lakehouse');
      const maxBodyBytes = opts.maxBodyMb * 1024 * 1024;
      const stream = await LocalStream.open(warehouse, INGEST_STREAM);
      const metadata = new SqliteMetadataStore(metadataDbPath(warehouse));
      const contracts = await Promise.all(BUILTIN_CONTRACTS.map((name) => loadContract(name)));
      const apiKey = opts.apiKey ?? process.env.LAKEHOUSE_API_KEY;
      const catalog = new SqlCatalog({ warehouse, name: 'lakehouse' });
      const api = new IngestApi({
        contracts,
        stream,
        metadata,
        maxBodyBytes,
        catalogHealth: async () => ({
          ok: true,
          detail: { catalog: 'sql', tables: (await catalog.listTables()).length },
        }),
        ...(apiKey ? { apiKey } : {}),
      });
      const app = createServer(api, { timeouts: { requestMs: opts.requestTimeout * 1000 } });
      const url = await app.listen({ host: opts.host, port: opts.port });
      printSummary({ url, warehouse, stream: INGEST_STREAM });
      await new Promise<void>((done) => {
        const stop = () => done();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await app.close();
      await stream.close();
      await metadata.close();
      await catalog.close();
    });
}
