// The ingest API as the API tests run it: the real local stream and metadata store in a temporary warehouse, and
// Fastify listening on a free port of 127.0.0.1.
import { createServer, type ServerTimeouts } from '../../../src/api/server.ts';
import { IngestApi, type IngestApiOptions } from '../../../src/api/service.ts';
import type { Contract } from '../../../src/contracts/model.ts';
import { SqliteMetadataStore, metadataDbPath } from '../../../src/metadata/index.ts';
import { LocalStream } from '../../../src/stream/index.ts';
import { tempDir } from '../../helpers/tmp.ts';

export interface LocalApi {
  readonly api: IngestApi;
  readonly warehouse: string;
  readonly port: number;
  readonly base: string;
  readonly close: () => Promise<void>;
}

export async function startLocalApi(
  contracts: readonly Contract[],
  options: Pick<IngestApiOptions, 'maxBodyBytes'> & { timeouts?: ServerTimeouts } = {},
): Promise<LocalApi> {
  const warehouse = tempDir();
  const stream = await LocalStream.open(warehouse, 'ingest');
  const metadata = new SqliteMetadataStore(metadataDbPath(warehouse));
  const api = new IngestApi({
    contracts,
    stream,
    metadata,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  const app = createServer(api, options.timeouts ? { timeouts: options.timeouts } : {});
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    api,
    warehouse,
    port,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await stream.close();
      await metadata.close();
    },
  };
}
