// Orphan removal next to a live writer: only files older than the grace period and referenced by nothing go, and a
// commit that lands while the table location is being listed keeps its files, even files older than the grace.
import { utimes } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { parseTableIdentifier } from '../../../src/catalog/catalog.ts';
import { SqlCatalog } from '../../../src/catalog/sql.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import { removeOrphanFiles } from '../../../src/iceberg/maintenance.ts';
import { liveFiles } from '../../../src/iceberg/snapshot.ts';
import { Table } from '../../../src/iceberg/table.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { eventsBatch } from './helpers.ts';

const anHourAgo = () => new Date(Date.now() - 3600_000);

describe('removeOrphanFiles', () => {
  it('removes old unreferenced files, keeps young ones and those of a commit landing during the scan', async () => {
    const catalog = new SqlCatalog({ warehouse: tempDir('lakehouse-orphans-') });
    const contract = await loadContract('events');
    const id = parseTableIdentifier('raw.events');
    const table = await Table.createOrLoad(catalog, id, contract);
    await table.append(eventsBatch(contract, 1, 40));
    // A killed writer's files (old), a writer in flight (young), and a slow writer whose files are old but which
    // commits while the orphan scan is listing the table location.
    const killed = await table.writeFiles(eventsBatch(contract, 2, 40));
    const inFlight = await table.writeFiles(eventsBatch(contract, 3, 40));
    const slow = await Table.load(catalog, id);
    const slowFiles = await slow.writeFiles(eventsBatch(contract, 4, 40));
    for (const f of [...killed, ...slowFiles]) await utimes(f.filePath, anHourAgo(), anHourAgo());

    const list = catalog.io.list.bind(catalog.io);
    vi.spyOn(catalog.io, 'list').mockImplementationOnce(async (prefix) => {
      const listed = await list(prefix);
      await slow.commitFiles('append', slowFiles);
      return listed;
    });
    const { orphans } = await removeOrphanFiles(table, { olderThanMs: Date.now() - 60_000 });

    expect(orphans.sort()).toEqual(killed.map((f) => f.filePath).sort());
    for (const f of killed) expect(await catalog.io.exists(f.filePath)).toBe(false);
    for (const f of [...inFlight, ...slowFiles]) expect(await catalog.io.exists(f.filePath)).toBe(true);
    await table.refresh();
    const live = await liveFiles(catalog.io, table.metadata);
    for (const { entry } of live) expect(await catalog.io.exists(entry.dataFile.filePath)).toBe(true);
    expect(live.reduce((n, f) => n + f.entry.dataFile.recordCount, 0n)).toBe(80n);
    await catalog.close();
  });
});
