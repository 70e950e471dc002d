// CSV in every layout the reader works out — delimiter , ; tab |, a UTF-8 BOM, no header row (columns given) — read
// by the fast engine and the general one: the same accepted rows (read back by pyarrow), the same quarantine entry
// for entry, and `received` = the records written (broken ones included), never one per broken line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { convertFile, type ConvertOptions } from '../../../src/jobs/convert.ts';
import { Random } from '../../../src/sample/random.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { EVENT_COLUMNS, eventCells } from '../../unit/formats/csv-rows.ts';

const dir = tempDir();
const readRows = join(import.meta.dirname, 'read_rows.py');
const COLUMNS = EVENT_COLUMNS;

/** Row mutations, each still one record (the count of records written stays known). */
type Mutation = (cells: string[], d: string) => string;
const MUTATIONS: Mutation[] = [
  (c, d) => [...c, 'extra'].join(d), // one cell too many
  (c, d) => c.slice(0, -1).join(d), // one too few
  (c, d) => c.map((x, i) => (i === 2 ? ` ${x.toUpperCase()} ` : x)).join(d), // trim and case transforms
  (c, d) => c.map((x, i) => (i === 6 ? `ünï-${x}` : x)).join(d), // non-ASCII: the general path
  (c, d) => c.map((x, i) => (i === 4 ? '007.5' : x)).join(d),
  (c, d) => c.map((x, i) => (i === 0 ? '' : x)).join(d), // empty required id
  (c, d) => c.join(d) + '\r', // CRLF in a file of LF endings: csv-parse's call from here on
  (c, d) => c.map((x, i) => (i === 6 ? `"${x}"` : x)).join(d), // a quoted scalar
];

interface Written {
  readonly path: string;
  readonly records: number;
}

function writeCsv(name: string, seed: number, delimiter: string, bom: boolean, header: boolean): Written {
  const rnd = new Random(seed);
  const lines: string[] = header ? [COLUMNS.join(delimiter)] : [];
  let records = 0;
  for (const cells of eventCells(1500, seed, delimiter)) {
    const mutate = rnd.chance(0.2) ? MUTATIONS[rnd.int(0, MUTATIONS.length - 1)] : undefined;
    lines.push(mutate ? mutate(cells, delimiter) : cells.join(delimiter));
    records++;
    if (rnd.chance(0.01)) lines.push(''); // blank lines are not records
  }
  const path = join(dir, name);
  writeFileSync(path, (bom ? '\ufeff' : '') + lines.join('\n') + '\n');
  return { path, records };
}

async function convert(input: string, out: string, options: ConvertOptions) {
  const contract = await loadContract('events');
  const summary = await convertFile(input, contract, join(dir, out), options);
  let quarantine: string;
  try {
    quarantine = readFileSync(summary.quarantine, 'utf8');
  } catch {
    quarantine = '';
  }
  const { rows } = runPythonJson<{ rows: unknown[] }>(
    'tools',
    readRows,
    summary.files.map((f) => f.path),
  );
  return { summary, quarantine, rows };
}

describe('CSV layouts: fast engine = general engine', () => {
  const cases = [
    { delimiter: ';', bom: false, header: true, seed: 31 },
    { delimiter: '\t', bom: true, header: true, seed: 32 },
    { delimiter: '|', bom: false, header: false, seed: 33 },
    { delimiter: ',', bom: true, header: false, seed: 34 },
    { delimiter: ';', bom: true, header: true, seed: 35 },
  ];
  for (const { delimiter, bom, header, seed } of cases) {
    const name = `${JSON.stringify(delimiter)}${bom ? ', BOM' : ''}${header ? '' : ', no header'}`;
    it(`${name}: detected, same rows and quarantine, every record counted`, async () => {
      const input = writeCsv(`layout-${seed}.csv`, seed, delimiter, bom, header);
      const options: ConvertOptions = { batchSize: 400, ...(header ? {} : { columns: COLUMNS }) };
      const general = await convert(input.path, `g${seed}`, { ...options, engine: 'general' });
      const fast = await convert(input.path, `f${seed}`, { ...options, engine: 'fast' });
      expect(fast.summary.engine).toBe('fast');
      expect(general.summary.received).toBe(input.records);
      expect(fast.summary.received).toBe(input.records);
      expect(general.summary.received).toBe(general.summary.accepted + general.summary.quarantined);
      expect(general.summary.accepted).toBeGreaterThan(input.records * 0.6);
      expect(general.summary.quarantined).toBeGreaterThan(20);
      expect(fast.rows).toHaveLength(fast.summary.accepted);
      expect(fast.rows).toEqual(general.rows);
      expect(fast.quarantine).toBe(general.quarantine);
    }, 120_000);
  }
});
