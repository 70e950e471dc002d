import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteMetadataStore, metadataDbPath } from '../../../src/metadata/sqlite.ts';
import { describeMetadataContract } from './contract.ts';

const dirs: string[] = [];
async function tempWarehouse(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'metadata-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describeMetadataContract('SQLite', async () => SqliteMetadataStore.forWarehouse(await tempWarehouse()));

describe('SqliteMetadataStore', () => {
  it('uses WAL at <warehouse>/metadata.db and keeps data across reopen', async () => {
    const warehouse = await tempWarehouse();
    const a = SqliteMetadataStore.forWarehouse(warehouse);
    expect(a.path).toBe(join(warehouse, 'metadata.db'));
    await a.putJob({ jobId: 'j1', dataset: 'events' });
    await a.close();
    const b = new SqliteMetadataStore(metadataDbPath(warehouse));
    expect((await b.getJob('j1'))?.status).toBe('accepted');
    await b.close();
    const mode = spawnSync(
      process.execPath,
      [
        '--no-warnings',
        '-e',
        `const {DatabaseSync}=require('node:sqlite');const d=new DatabaseSync(${JSON.stringify(metadataDbPath(warehouse))});console.log(d.prepare('PRAGMA journal_mode').get().journal_mode)`,
      ],
      { encoding: 'utf8' },
    );
    expect(mode.stdout.trim()).toBe('wal');
  });

  it('serialises a conditional update across processes: exactly one of four writers wins', async () => {
    const warehouse = await tempWarehouse();
    const store = SqliteMetadataStore.forWarehouse(warehouse);
    await store.putJob({ jobId: 'shared', dataset: 'events' });
    const module = resolve('src/metadata/sqlite.ts');
    const script = `
      const { SqliteMetadataStore } = await import(${JSON.stringify(module)});
      const s = SqliteMetadataStore.forWarehouse(${JSON.stringify(warehouse)});
      const r = await s.updateJob('shared', 'accepted', { status: 'processing', reasons: [String(process.pid)] });
      process.stdout.write(JSON.stringify(r.updated));`;
    const children = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<{ out: string; err: string }>((done) => {
            import('node:child_process')
              .then(({ execFile }) => {
                execFile(process.execPath, ['--input-type=module', '-e', script], (_e, out, err) => done({ out, err }));
              })
              .catch(() => done({ out: '', err: 'spawn failed' }));
          }),
      ),
    );
    // The experimental warning is silenced, and nothing else is printed.
    expect(children.map((c) => c.err)).toEqual(['', '', '', '']);
    expect(children.map((c) => c.out).sort()).toEqual(['false', 'false', 'false', 'true']);
    expect((await store.getJob('shared'))?.status).toBe('processing');
    await store.close();
  });
});
