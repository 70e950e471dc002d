// moto's server with Glue's VersionId check added (moto_glue_server.py): moto accepts UpdateTable's VersionId but
// never compares it, so without the wrapper no stale commit could be rejected.
import { join } from 'node:path';
import { startMoto, type Moto } from '../../helpers/moto.ts';

export type MotoServer = Moto;

export function startMotoGlue(): Promise<MotoServer> {
  return startMoto({ script: join(import.meta.dirname, 'moto_glue_server.py') });
}
