// A CSV file's delimiter and header, worked out from the contract's columns. Generated files in every layout —
// delimiter , ; tab |, with or without a BOM, with a header or without one (then named by --columns) — are read
// with exactly their records (received = the rows written, never one per broken line, never one short for a
// record taken as the header), identically by both engines; a file whose layout cannot be told is one clear error.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { isLakehouseError } from '../../../src/errors.ts';
import { csvLayoutOf } from '../../../src/formats/csv-layout.ts';
import { convertFile } from '../../../src/jobs/convert.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { EVENT_COLUMNS, eventCells } from './csv-rows.ts';

const dir = tempDir();
const COLUMNS = EVENT_COLUMNS;
const DELIMITERS = [',', ';', '\t', '|'];

function rows(count: number, seed: number, delimiter: string): string[] {
  return eventCells(count, seed, delimiter).map((cells) => cells.join(delimiter));
}

interface Layout {
  delimiter: string;
  bom: boolean;
  header: boolean;
  crlf: boolean;
}

function writeCsv(path: string, layout: Layout, body: string[]): void {
  const eol = layout.crlf ? '\r\n' : '\n';
  const lines = layout.header ? [COLUMNS.join(layout.delimiter), ...body] : body;
  writeFileSync(path, (layout.bom ? '\ufeff' : '') + lines.join(eol) + eol);
}

const quarantineOf = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

describe('CSV layout', () => {
  it('property: any delimiter, BOM, header or --columns, line ending: every row is one record, both engines alike', async () => {
    const contract = await loadContract('events');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          delimiter: fc.constantFrom(...DELIMITERS),
          bom: fc.boolean(),
          header: fc.boolean(),
          crlf: fc.boolean(),
        }),
        // At least 20 rows: with fewer, the generator's ~5% broken records can be a third of the file by chance.
        fc.integer({ min: 20, max: 120 }),
        fc.integer({ min: 1, max: 1000 }),
        async (layout, count, seed) => {
          const input = join(dir, `in-${run}.csv`);
          const body = rows(count, seed, layout.delimiter);
          writeCsv(input, layout, body);
          const options = layout.header ? {} : { columns: COLUMNS };
          const general = await convertFile(input, contract, join(dir, `g-${run}`), { ...options, engine: 'general' });
          const fast = await convertFile(input, contract, join(dir, `f-${run}`), { ...options, engine: 'fast' });
          run++;
          expect(general.received).toBe(body.length);
          expect(general.received).toBe(general.accepted + general.quarantined);
          // The generator breaks ~5% of records on purpose; a misread layout would reject (nearly) all of them.
          expect(general.accepted).toBeGreaterThanOrEqual(Math.floor(body.length * 0.7));
          expect(fast.engine).toBe('fast');
          expect({
            ...fast,
            files: [],
            phases: undefined,
            generalRecords: undefined,
            quarantine: '',
            threads: 0,
          }).toEqual({
            ...general,
            files: [],
            engine: 'fast',
            phases: undefined,
            generalRecords: undefined,
            quarantine: '',
          });
          expect(quarantineOf(fast.quarantine)).toBe(quarantineOf(general.quarantine));
        },
      ),
      { numRuns: 25 },
    );
  }, 240_000);

  it('a file without a header is refused in one clear line, unless its columns are given', async () => {
    const contract = await loadContract('events');
    const input = join(dir, 'no-header.csv');
    writeCsv(input, { delimiter: ',', bom: false, header: false, crlf: false }, rows(30, 4, ','));
    for (const engine of ['general', 'fast'] as const) {
      const failure = await convertFile(input, contract, join(dir, `nh-${engine}`), { engine }).catch(
        (e: unknown) => e,
      );
      expect(isLakehouseError(failure, 'PARSE')).toBe(true);
      expect((failure as Error).message).toMatch(
        /^CSV .*no-header\.csv has no header row: its first row names none of the contract's columns .*--no-header --columns/,
      );
    }
  });

  it('detects a header row by the contract columns it names, trimmed, in any order, with unknown extras', () => {
    const head = Buffer.from(' country ;event_id;extra\nDE;e1;x\nFR;e2;y\n');
    expect(csvLayoutOf(head, COLUMNS, { path: 'x.csv', complete: true })).toEqual({
      delimiter: ';',
      columns: ['country', 'event_id', 'extra'],
      header: true,
      bodyOffset: head.indexOf('\n') + 1,
    });
  });

  it('skips a BOM: the body starts after it and the header line', () => {
    const head = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('event_id|user_id\na|b\n')]);
    expect(csvLayoutOf(head, COLUMNS, { path: 'x.csv', complete: true })).toMatchObject({
      delimiter: '|',
      columns: ['event_id', 'user_id'],
      bodyOffset: 3 + 'event_id|user_id\n'.length,
    });
    expect(csvLayoutOf(head.subarray(0, 3), COLUMNS, { path: 'x.csv', complete: true })).toMatchObject({
      header: true,
      columns: [],
    });
  });

  it('a header spanning lines leaves no byte offset (the general parser reads it)', () => {
    const head = Buffer.from('"event\n_id",user_id\na,b\n');
    expect(csvLayoutOf(head, [...COLUMNS, 'event\n_id'], { path: 'x.csv', complete: true })).toMatchObject({
      delimiter: ',',
      header: true,
    });
    expect(csvLayoutOf(head, [...COLUMNS, 'event\n_id'], { path: 'x.csv', complete: true }).bodyOffset).toBeUndefined();
  });

  it('without a header, picks the delimiter that splits rows into the columns given, or says it cannot', () => {
    const columns = ['a', 'b', 'c'];
    const semicolons = Buffer.from('1;x,y;3\n4;5;6\n7;8;9\n');
    expect(csvLayoutOf(semicolons, COLUMNS, { path: 'x.csv', complete: true, columns })).toEqual({
      delimiter: ';',
      columns,
      header: false,
      bodyOffset: 0,
    });
    // With "," every row is a csv-parse error (a quote mid-cell): rows that cannot be read are no fit.
    const piped = Buffer.from('1|"x,y"|3\n');
    expect(csvLayoutOf(piped, COLUMNS, { path: 'x.csv', complete: true, columns }).delimiter).toBe('|');
    const none = Buffer.from('1 2 3\n4 5 6\n');
    expect(() => csvLayoutOf(none, COLUMNS, { path: 'x.csv', complete: true, columns })).toThrow(
      /^cannot detect the delimiter of CSV x\.csv: none of "," ";" tab "\|" splits most rows into the 3 columns of --columns; give --delimiter$/,
    );
    const ambiguous = Buffer.from('1,2;3,4;5\n6,7;8,9;0\n');
    expect(() => csvLayoutOf(ambiguous, COLUMNS, { path: 'x.csv', complete: true, columns })).toThrow(
      /^cannot tell the delimiter of CSV x\.csv: "," and ";" split it equally well; give --delimiter$/,
    );
  });

  it('an explicit delimiter is taken as given: a wrong one is "no header", not a broken record per line', () => {
    const head = Buffer.from('event_id;user_id\na;b\n');
    expect(() => csvLayoutOf(head, COLUMNS, { path: 'x.csv', complete: true, delimiter: ',' })).toThrow(
      /has no header row: .* with delimiter ","/,
    );
    expect(() => csvLayoutOf(Buffer.from('a;b\n'), COLUMNS, { path: 'x.csv', complete: true, delimiter: ';' })).toThrow(
      /has no header row: .* with delimiter ";"; for a file without a header give --no-header --columns <name,name,…>, or the right --delimiter$/,
    );
    expect(
      csvLayoutOf(Buffer.from('event_id\tuser_id\n'), COLUMNS, { path: 'x', complete: true, delimiter: 'tab' }),
    ).toMatchObject({ delimiter: '\t', columns: ['event_id', 'user_id'] });
  });
});
