// Converting into an --out that holds an earlier run's files: a reader of the folder (pyarrow's dataset discovery,
// DuckDB's read_parquet over *.parquet) sees exactly the new run's rows — no stale part files of a bigger earlier
// run, no stale quarantine — and a run that fails leaves the earlier run's files as they were, with nothing of its
// own behind (no staging folder, no part file). Files in --out that are not a conversion's own stay.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { convertFile, type ConvertOptions } from '../../../src/jobs/convert.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';

const dir = tempDir();
const readFolder = join(import.meta.dirname, 'read_folder.py');

function writeEvents(path: string, count: number, seed: number, invalidRate: number): string[] {
  const lines = [...eventRecords(count, { seed, invalidRate })];
  writeFileSync(path, lines.join('\n') + '\n');
  return lines;
}

function seen(out: string): { pyarrow: string[]; duckdb: string[] } {
  return runPythonJson('tools', readFolder, out);
}

describe('convert into an existing --out', () => {
  for (const engine of ['fast', 'general'] as const) {
    it(`${engine}: a big run then a small one: readers of the folder see exactly the small run's rows`, async () => {
      const contract = await loadContract('events');
      const out = join(dir, `out-${engine}`);
      const big = join(dir, `big-${engine}.ndjson`);
      const small = join(dir, `small-${engine}.ndjson`);
      writeEvents(big, 6000, 1, 0.05);
      writeEvents(small, 300, 2, 0);
      // The input and a note of the user's own live in --out too: a conversion never touches them.
      const note = join(out, 'README.txt');
      const options: ConvertOptions = { engine, targetFileBytes: 1024, batchSize: 1000, rowGroupSize: 1000 };
      const first = await convertFile(big, contract, out, options);
      expect(first.files.length).toBeGreaterThan(2); // a file per row group
      expect(first.quarantined).toBeGreaterThan(0);
      writeFileSync(note, 'mine');
      const second = await convertFile(small, contract, out, options);
      expect(second.files).toHaveLength(1);
      expect(second.quarantined).toBe(0);
      expect(second.files[0]?.path).toBe(join(out, 'part-00000.parquet'));
      const ids = [...eventRecords(300, { seed: 2, invalidRate: 0 })]
        .map((line) => (JSON.parse(line) as { event_id: string }).event_id)
        .sort();
      expect(second.accepted).toBe(new Set(ids).size);
      const { pyarrow, duckdb } = seen(out);
      expect(pyarrow).toEqual([...new Set(ids)].sort());
      expect(duckdb).toEqual(pyarrow);
      expect(readdirSync(out).sort()).toEqual(['README.txt', 'part-00000.parquet']); // the old quarantine went too
      expect(readFileSync(note, 'utf8')).toBe('mine');
      expect(readdirSync(dirname(out)).filter((name) => name.includes('staging'))).toEqual([]);
    });
  }

  it('a run that fails midway leaves the earlier run in place and nothing of its own', async () => {
    const contract = await loadContract('events');
    const out = join(dir, 'out-failing');
    const input = join(dir, 'failing.ndjson');
    writeEvents(input, 3000, 3, 0.05);
    const options: ConvertOptions = { targetFileBytes: 32 * 1024, batchSize: 500, rowGroupSize: 500 };
    const first = await convertFile(input, contract, out, options);
    const before = Object.fromEntries(readdirSync(out).map((name) => [name, readFileSync(join(out, name))]));
    for (const engine of ['fast', 'general'] as const) {
      let chunks = 0;
      const failing = convertFile(input, contract, out, {
        ...options,
        engine,
        onProgress: () => {
          if (++chunks === 3) throw new Error('interrupted');
        },
      });
      await expect(failing).rejects.toThrow('interrupted');
      expect(chunks).toBe(3);
      const after = Object.fromEntries(readdirSync(out).map((name) => [name, readFileSync(join(out, name))]));
      expect(after).toEqual(before);
      expect(readdirSync(dirname(out)).filter((name) => name.includes('staging'))).toEqual([]);
    }
    expect(seen(out).pyarrow).toHaveLength(first.accepted);
    expect(existsSync(join(out, 'quarantine.ndjson'))).toBe(true);
  });
});
