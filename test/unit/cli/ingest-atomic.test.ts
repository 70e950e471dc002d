// `lakehouse ingest` on an input it cannot read past the header: one clear line, exit 1, and nothing left in the
// warehouse — no table created in the catalog for a file that never had a record read — while the same rows with a
// readable header create the table and land.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../../src/catalog/index.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { csvCell } from '../formats/csv-rows.ts';

const dir = tempDir();
const COLUMNS = ['event_id', 'user_id', 'event_type', 'event_ts', 'amount', 'country', 'session_id'];

function ingest(input: string, warehouse: string) {
  const args = ['ingest', input, '--table', 'raw.events', '--contract', 'events', '--warehouse', warehouse];
  const result = spawnSync(process.execPath, ['src/cli/bin.mjs', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A CSV of generated events under `header` (each row's cells in COLUMNS order; an extra header column stays empty). */
function csvFile(name: string, header: readonly string[], count: number): string {
  const rows = [...eventRecords(count, { seed: 3, invalidRate: 0 })].map((line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    return COLUMNS.map((c) => csvCell(record[c], ',')).join(',');
  });
  const path = join(dir, name);
  writeFileSync(path, [header.join(','), ...rows].join('\n') + '\n');
  return path;
}

async function tablesIn(warehouse: string): Promise<string[]> {
  if (!existsSync(warehouse)) return [];
  const catalog = openCatalog({ warehouse });
  try {
    return (await catalog.listTables()).map((t) => `${t.namespace}.${t.name}`);
  } finally {
    await catalog.close();
  }
}

describe('lakehouse ingest: a fatal input error leaves nothing half-written', () => {
  // Headers naming a column twice (a column repeated in place of the next one), at the start and at the end. The
  // layout check reads the file's first MiB; a header line longer than that (a very long extra column name) is
  // only read by the parser, after the table was created — which left an empty table and a quarantine folder.
  const repeated = (i: number) => COLUMNS.map((c, j) => (j === i + 1 ? (COLUMNS[i] as string) : c));
  const longName = 'n'.repeat(1100 * 1024);
  const cases = [
    ['first column twice, short header', repeated(0)],
    ['last column twice, short header', repeated(COLUMNS.length - 2)],
    ['first column twice, header over the sampled head', [...repeated(0), longName]],
    ['last column twice, header over the sampled head', [...repeated(COLUMNS.length - 2), longName]],
  ] as const;

  it.each(cases)('%s: exit 1, one line, nothing in the warehouse', async (name, header) => {
    const warehouse = join(dir, `wh-${name.replace(/\W+/g, '-')}`);
    const input = csvFile(`${name.replace(/\W+/g, '-')}.csv`, header, 30);
    const { status, stdout, stderr } = ingest(input, warehouse);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^lakehouse: CSV header names column "\w+" twice$/);
    expect(await tablesIn(warehouse)).toEqual([]);
    expect(existsSync(warehouse), 'the warehouse (catalog, table folders, quarantine) is not created').toBe(false);
  });

  it('the same rows under a readable header create the table and land', async () => {
    const warehouse = join(dir, 'wh-good');
    const { status, stdout, stderr } = ingest(csvFile('good.csv', COLUMNS, 30), warehouse);
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ received: 30, accepted: 30, committed: true });
    expect(await tablesIn(warehouse)).toEqual(['raw.events']);
  });
});
