// The CSV record splitter and parser on generated input: well-formed files read as csv-parse reads them whole,
// every malformed record costs exactly one quarantined record, and nothing depends on how the input is chunked.
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/formats/csv.ts';
import { CsvRecordSplitter } from '../../../src/formats/csv-records.ts';
import type { ParsedItem } from '../../../src/formats/types.ts';

async function* chunked(bytes: Buffer, sizes: readonly number[]): AsyncIterable<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes.length ? (sizes[i % sizes.length] as number) : bytes.length;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function parseAll(
  text: string | Buffer,
  options: { sizes?: readonly number[]; maxRecordBytes?: number; delimiter?: string } = {},
): Promise<ParsedItem[]> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const items: ParsedItem[] = [];
  for await (const batch of parseCsv(chunked(bytes, options.sizes ?? []), {
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
    ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
  }))
    items.push(...batch);
  return items;
}

function quoted(cell: string): string {
  return /[",\r\n]/.test(cell) || cell === '' ? `"${cell.replaceAll('"', '""')}"` : cell;
}

const cellText = fc.string({ unit: fc.constantFrom('x', 'é', ',', '"', ' ', '\n', '\r', '\r\n'), maxLength: 6 });
const lineCell = fc.string({ unit: fc.constantFrom('x', 'é', ',', '"', ' '), maxLength: 6 });
const chunkSizes = fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 4 });
const lineEnd = fc.constantFrom('\n', '\r\n');

describe('CSV records', () => {
  it('well-formed files, line ends mixed: the rows csv-parse reads, each on the line it starts on', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.tuple(cellText, cellText, cellText), lineEnd), { minLength: 1, maxLength: 12 }),
        chunkSizes,
        async (rows, sizes) => {
          let text = 'a,b,c\n';
          const lines: number[] = [];
          for (const [cells, end] of rows) {
            lines.push(text.split('\n').length);
            text += cells.map(quoted).join(',') + end;
          }
          const items = await parseAll(text, { sizes });
          const expected = parse<object>(text, { record_delimiter: ['\r\n', '\n'], columns: true });
          expect(items.map((i) => i.kind)).toEqual(rows.map(() => 'record'));
          expect(items.map((i) => (i.kind === 'record' ? { ...(i.value as object) } : undefined))).toEqual(expected);
          expect(items.map((i) => i.line)).toEqual(lines);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a malformed line is one quarantined record and the lines after it are read', async () => {
    const broken = fc.constantFrom('"ab"c', 'a"b"c"d"e', 'x"', '"x" ', '"a""b"c');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.tuple(lineCell, lineCell, lineCell), fc.option(broken), lineEnd), {
          minLength: 1,
          maxLength: 12,
        }),
        chunkSizes,
        async (rows, sizes) => {
          const text =
            'a,b,c\n' +
            rows
              .map(([cells, bad, end]) => [quoted(cells[0]), bad ?? quoted(cells[1]), quoted(cells[2])].join(',') + end)
              .join('');
          const items = await parseAll(text, { sizes });
          // One item per line: received = accepted + quarantined counts records, not csv-parse's error reports.
          expect(items.map((i) => i.line)).toEqual(rows.map((_, i) => i + 2));
          expect(items.map((i) => i.kind)).toEqual(rows.map(([, bad]) => (bad === null ? 'record' : 'unparseable')));
          for (const [i, item] of items.entries()) {
            const [cells, bad] = rows[i] as (typeof rows)[number];
            if (item.kind === 'record')
              expect({ ...(item.value as object) }).toEqual({ a: cells[0], b: cells[1], c: cells[2] });
            else expect(item.raw).toContain(bad);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any bytes: the records found do not depend on how the input is chunked', () => {
    const unit = fc.constantFrom(...'x,;"\r\n é'.split(''), '::');
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 60 }),
        chunkSizes,
        fc.constantFrom(',', '::'),
        fc.integer({ min: 1, max: 12 }),
        (text, sizes, delimiter, max) => {
          const bytes = Buffer.from(text);
          const split = (parts: readonly number[]) => {
            const splitter = new CsvRecordSplitter(delimiter, max);
            const records = [];
            let at = 0;
            for (let i = 0; at < bytes.length; i++) {
              const size = parts.length ? (parts[i % parts.length] as number) : bytes.length;
              records.push(...splitter.push(bytes.subarray(at, at + size)));
              at += size;
            }
            records.push(...splitter.end());
            return records.map((r) => ({ ...r, bytes: r.bytes.toString('latin1') }));
          };
          expect(split(sizes)).toEqual(split([]));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a record over maxRecordBytes is quarantined as too_large with a bounded text; later rows are kept', async () => {
    const huge = 'x'.repeat(5000);
    const text = `a,b,c\n1,2,3\n4,${huge},6\n7,"8\n${huge}",9\n10,11,12\n`;
    for (const sizes of [[], [1], [3, 1000], [4096]]) {
      const items = await parseAll(text, { sizes, maxRecordBytes: 2000 });
      expect(items.map((i) => [i.line, i.kind === 'unparseable' ? i.rule : 'record'])).toEqual([
        [2, 'record'],
        [3, 'too_large'],
        [4, 'too_large'],
        [6, 'record'],
      ]);
      for (const item of items) expect(item.raw.length).toBeLessThanOrEqual(1024);
    }
  });

  it('a quoted field never closed runs to the end: one record, at the line it starts on', async () => {
    const items = await parseAll('a,b,c\n1,2,3\n4,"5,6\n7,8,9\n');
    expect(items.map((i) => [i.line, i.kind])).toEqual([
      [2, 'record'],
      [3, 'unparseable'],
    ]);
    expect(items[1]?.kind === 'unparseable' && items[1].message).toMatch(/^CSV_QUOTE_NOT_CLOSED: .*at line 4$/);
  });

  it('csv-parse messages give the file line of the broken record', async () => {
    const items = await parseAll('a,b,c\n1,2,3\n1,2,3\n4,"ab"c,6\n');
    expect(items[2]?.kind === 'unparseable' && items[2].message).toMatch(/^CSV_INVALID_CLOSING_QUOTE: .*line 4/);
  });

  it('invalid UTF-8 in one record quarantines that record only', async () => {
    const bytes = Buffer.concat([
      Buffer.from('a,b,c\n1,2,3\n4,'),
      Buffer.from([0xff]),
      Buffer.from(',6\n\ufffd,8,9\n'),
    ]);
    const items = await parseAll(bytes);
    expect(items.map((i) => (i.kind === 'unparseable' ? i.rule : 'record'))).toEqual(['record', 'encoding', 'record']);
  });

  it('a column named __proto__ is an own key of the record', async () => {
    const [item] = await parseAll('a,__proto__\n1,2\n');
    expect(item?.kind).toBe('record');
    const value = (item as { value: object }).value;
    expect(Object.keys(value)).toEqual(['a', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('2');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype); // a key, not a prototype change
  });
});
