// Adversarial review of issue 16 §4: hostile inputs the existing corpora do not cover. Each test states the
// contract the record path promises (received = accepted + quarantined, one entry per record received; values
// stored exactly or the record quarantined) and runs `convertFile` — the `lakehouse convert` job — on a generated
// input, with both engines where the fast one takes the input.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { convertFile, type ConvertSummary } from '../../../src/jobs/convert.ts';
import { validEvent } from '../../helpers/collect.ts';
import { tempDir } from '../../helpers/tmp.ts';

const events = await loadContract('events');
const dir = tempDir();
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const CSV_HEADER = 'event_id,user_id,event_type,event_ts,amount,country,session_id';
const csvRow = (i: number, sessionId = `s-${i}`) =>
  `${uuid(i)},u000001,click,2026-11-01T01:18:26.476094Z,,FR,${sessionId}`;

interface QuarantineLine {
  line: number;
  violations: { path: string; rule: string }[];
  raw: string;
}

interface Outcome {
  summary: ConvertSummary;
  quarantine: QuarantineLine[];
}

async function convert(name: string, content: string, engine: 'general' | 'fast'): Promise<Outcome> {
  const input = join(dir, name);
  writeFileSync(input, content);
  const summary = await convertFile(input, events, join(dir, `${name}-${engine}`), { engine, threads: 0 });
  const written = existsSync(summary.quarantine) ? readFileSync(summary.quarantine, 'utf8') : '';
  const quarantine = written
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as QuarantineLine);
  return { summary, quarantine };
}

describe('CSV: one broken record is one quarantined record', () => {
  // `a"b"c"d"e` in an unquoted cell: csv-parse reports INVALID_OPENING_QUOTE once per stray quote, and every report
  // became its own quarantine entry — the one bad line counted four times, received 6 for 3 data rows.
  for (const engine of ['general', 'fast'] as const) {
    it(`${engine}: stray quotes inside an unquoted cell count once (3 rows in, 3 received)`, async () => {
      const csv = [CSV_HEADER, csvRow(1), csvRow(2, 'a"b"c"d"e'), csvRow(3)].join('\n') + '\n';
      const { summary, quarantine } = await convert(`stray-quotes-${engine}.csv`, csv, engine);
      expect(summary.accepted).toBe(2);
      expect(summary.received).toBe(3);
      expect(summary.quarantined).toBe(1);
      expect(quarantine.map((q) => q.line)).toEqual([3]);
    });
  }
});

describe('CSV: one malformed quote does not swallow the rest of the file', () => {
  // `"ab"c` (text after a closing quote): csv-parse reports INVALID_CLOSING_QUOTE, skips, then reads from a quote
  // state that never closes, so every later line becomes one QUOTE_NOT_CLOSED item: 1,000 good rows after it were
  // quarantined as a single record (received 3 for 1,002 rows). Later records must not be lost.
  for (const engine of ['general', 'fast'] as const) {
    it(`${engine}: 1,002 rows with one "ab"c cell: 1,002 received, 1,001 accepted`, async () => {
      const rows = Array.from({ length: 1002 }, (_, i) => (i === 1 ? csvRow(i + 1, '"ab"c') : csvRow(i + 1)));
      const csv = [CSV_HEADER, ...rows].join('\n') + '\n';
      const { summary, quarantine } = await convert(`closing-quote-${engine}.csv`, csv, engine);
      expect(summary.received).toBe(1002);
      expect(summary.accepted).toBe(1001);
      expect(quarantine.map((q) => q.line)).toEqual([3]);
    });
  }
});

describe('CSV: mixed line endings keep every record apart', () => {
  // A CRLF header followed by LF rows (two files joined, or an editor that saved part of a file): csv-parse fixes
  // the record delimiter from the first line, so every LF row after it merges into one "record" of 8×7 cells:
  // received 3 for 10 data rows, 8 good rows quarantined as one.
  it('a CRLF header and LF rows: 10 rows in, 10 received, 10 accepted', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => csvRow(i + 1));
    const csv = `${CSV_HEADER}\r\n${rows[0]}\r\n${rows[1]}\r\n${rows.slice(2).join('\n')}\n`;
    const { summary } = await convert('mixed-endings.csv', csv, 'general');
    expect(summary.received).toBe(10);
    expect(summary.accepted).toBe(10);
  });
});

describe('timestamps: the year bound holds in UTC, not only in the text', () => {
  // The validator refuses text starting `0000-` but the offset moves an instant across the bound:
  // 0001-01-01T00:00:00+00:01 is 0000-12-31T23:59Z, 9999-12-31T23:59:59-00:01 is 10000-01-01T00:00:59Z. Both were
  // accepted and written (-62135596860000000 µs and 253402300859000000 µs): pyarrow's to_pylist raises
  // OverflowError on them, and the day partition / derived event_date is year 0 or 10000.
  for (const engine of ['general', 'fast'] as const) {
    it(`${engine}: an offset that takes the instant outside 0001–9999 is quarantined, not stored`, async () => {
      const lines = [
        JSON.stringify(validEvent({ event_id: uuid(1), event_ts: '0001-01-01T00:00:00+00:01' })),
        JSON.stringify(validEvent({ event_id: uuid(2), event_ts: '9999-12-31T23:59:59-00:01' })),
        JSON.stringify(validEvent({ event_id: uuid(3), event_ts: '0001-01-01T00:00:00Z' })),
      ];
      const { summary, quarantine } = await convert(`year-bound-${engine}.ndjson`, lines.join('\n') + '\n', engine);
      expect(summary.received).toBe(3);
      expect(summary.accepted).toBe(1);
      expect(quarantine.map((q) => q.line)).toEqual([1, 2]);
      for (const q of quarantine) expect(q.violations.map((v) => v.path)).toContain('/event_ts');
    });
  }
});

describe('strings: a lone surrogate is not silently replaced', () => {
  // "\ud800" is valid JSON text but no Unicode scalar value: UTF-8 cannot hold it, so the Parquet writer stored
  // U+FFFD instead — the record accepted with a value nobody sent. It must be quarantined (or kept exactly, which
  // UTF-8 cannot do).
  for (const engine of ['general', 'fast'] as const) {
    it(`${engine}: "\\ud800" and "x\\udfff" in a string field are quarantined`, async () => {
      const lines = [
        JSON.stringify(validEvent({ event_id: uuid(1), session_id: 's-1' })),
        JSON.stringify(validEvent({ event_id: uuid(2), session_id: '\ud800' })),
        JSON.stringify(validEvent({ event_id: uuid(3), session_id: 'x\udfff' })),
        JSON.stringify(validEvent({ event_id: uuid(4), session_id: '\ud83d\ude00' })),
      ];
      // JSON.stringify escapes lone surrogates as \udXXX (well-formed JSON.stringify), the form a producer sends.
      expect(lines[1]).toContain('\\ud800');
      const { summary, quarantine } = await convert(`surrogates-${engine}.ndjson`, lines.join('\n') + '\n', engine);
      expect(summary.received).toBe(4);
      expect(summary.accepted).toBe(2);
      expect(quarantine.map((q) => q.line)).toEqual([2, 3]);
    });
  }
});

describe('CSV: a double cell is a decimal number, not a JavaScript literal', () => {
  // coerceText uses Number(text) for doubles, which reads 0x1, 0b1 and 0o1 as 1: orders.discount_rate took them as
  // 1.0, while the same text in JSON ("0x1") is a type violation. The formats must agree on what a number is.
  it('0x1, 0b1 and 0o1 in orders.discount_rate are quarantined; 0.5 is accepted', async () => {
    const orders = await loadContract('orders');
    const header =
      'order_id,order_number,user_id,order_ts,status,currency,total_amount,discount_rate,shipping_country,gift,line_items';
    const items = '"[{""sku"":""SKU-00001"",""quantity"":1,""unit_price"":""1.00""}]"';
    const rates = ['0.5', '0x1', '0b1', '0o1'];
    const rows = rates.map(
      (rate, i) =>
        `o${String(i + 1).padStart(8, '0')},${i + 1},u000001,2026-11-03T10:20:03Z,paid,USD,1.00,${rate},BR,false,${items}`,
    );
    const input = join(dir, 'double-literals.csv');
    writeFileSync(input, [header, ...rows].join('\n') + '\n');
    const summary = await convertFile(input, orders, join(dir, 'double-literals'), { engine: 'general', threads: 0 });
    expect(summary.received).toBe(4);
    expect(summary.accepted).toBe(1);
    const quarantine = readFileSync(summary.quarantine, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as QuarantineLine);
    expect(quarantine.map((q) => q.line)).toEqual([3, 4, 5]);
    for (const q of quarantine) expect(q.violations.map((v) => v.path)).toEqual(['/discount_rate']);
  });
});

describe('timestamps: a leap second is stored exactly or refused, never moved to the next day', () => {
  // 2016-12-31T23:59:60Z was accepted and stored as 2017-01-01T00:00:00Z (another day partition, another
  // event_date); 2026-06-30T23:59:60Z, which was no leap second at all, as 2026-07-01. Microseconds since the epoch
  // cannot hold :60, so the record must be quarantined.
  for (const engine of ['general', 'fast'] as const) {
    it(`${engine}: 23:59:60 is quarantined`, async () => {
      const lines = [
        JSON.stringify(validEvent({ event_id: uuid(1), event_ts: '2016-12-31T23:59:60Z' })),
        JSON.stringify(validEvent({ event_id: uuid(2), event_ts: '2026-06-30T23:59:60Z' })),
        JSON.stringify(validEvent({ event_id: uuid(3), event_ts: '2016-12-31T23:59:59Z' })),
      ];
      const { summary, quarantine } = await convert(`leap-second-${engine}.ndjson`, lines.join('\n') + '\n', engine);
      expect(summary.received).toBe(3);
      expect(summary.accepted).toBe(1);
      expect(quarantine.map((q) => q.line)).toEqual([1, 2]);
    });
  }
});

describe('CSV: the record size limit holds as for JSON and NDJSON', () => {
  // parseCsv never applies maxRecordBytes (16 MiB): a 17 MiB cell went through validation whole (the general
  // engine's quarantine entry held it twice, 2×17 MiB; a 40 MB cell took 666 MB of memory), while the fast CSV engine
  // cut it at 16 MiB — the two engines wrote different quarantine files. NDJSON and JSON quarantine such a record as
  // too_large with a bounded raw text.
  it('a 17 MiB cell is quarantined as too_large, the same by both engines, and later rows are kept', async () => {
    const huge = 'x'.repeat(17 * 1024 * 1024);
    const csv = [CSV_HEADER, csvRow(1), csvRow(2, huge), csvRow(3)].join('\n') + '\n';
    const general = await convert('huge-cell-general.csv', csv, 'general');
    const fast = await convert('huge-cell-fast.csv', csv, 'fast');
    for (const { summary, quarantine } of [general, fast]) {
      expect(summary.received).toBe(3);
      expect(summary.accepted).toBe(2);
      expect(quarantine.map((q) => q.violations.map((v) => v.rule))).toEqual([['too_large']]);
      expect(JSON.stringify(quarantine[0]).length).toBeLessThan(1024 * 1024);
    }
    expect(fast.quarantine.map((q) => q.line)).toEqual(general.quarantine.map((q) => q.line));
  });
});

describe('CSV: a column the contract does not declare is a violation, whatever its name', () => {
  // A column "extra" is quarantined as unknown_field, but a column "__proto__" vanished: parseCsv builds each record
  // with `value[name] = cell` on a plain object, where "__proto__" sets the prototype (a string is ignored), so the
  // cell was dropped and the record accepted. NDJSON reports "__proto__" as unknown_field.
  for (const engine of ['general', 'fast'] as const) {
    it(`${engine}: a "__proto__" column is quarantined as unknown_field, as an "extra" column is`, async () => {
      const rows = (column: string) =>
        [`${CSV_HEADER},${column}`, `${csvRow(1)},sent`, `${csvRow(2)},`].join('\n') + '\n';
      const extra = await convert(`extra-column-${engine}.csv`, rows('extra'), engine);
      const proto = await convert(`proto-column-${engine}.csv`, rows('__proto__'), engine);
      // The control: an undeclared column quarantines every row (empty cells too).
      expect(extra.summary.accepted).toBe(0);
      expect(extra.quarantine.map((q) => q.violations.map((v) => v.rule))).toEqual([
        ['unknown_field'],
        ['unknown_field'],
      ]);
      expect(proto.summary.received).toBe(2);
      expect(proto.summary.accepted).toBe(0);
      expect(proto.quarantine.map((q) => q.violations.map((v) => [v.path, v.rule]))).toEqual([
        [['/__proto__', 'unknown_field']],
        [['/__proto__', 'unknown_field']],
      ]);
    });
  }
});

describe('.json: a truncated array is reported, not taken as complete', () => {
  // `[a,b` (the closing bracket lost, as when a copy or an upload is cut short), `[a,b,` and `[` were converted with
  // exit 0 and an empty quarantine: nothing tells that the file ended mid-array and that later elements are
  // missing. `[a,]` and content after `]` are reported; the missing `]` must be too (a quarantined item or an error).
  const element = (i: number) => JSON.stringify(validEvent({ event_id: uuid(i) }));
  for (const [name, text] of [
    ['no-bracket', `[${element(1)},${element(2)}`],
    ['trailing-comma', `[${element(1)},${element(2)},`],
    ['only-open', '['],
  ] as const) {
    it(`${name}: the missing end of the array is reported`, async () => {
      let outcome: Outcome | undefined;
      let failure: unknown;
      try {
        outcome = await convert(`truncated-${name}.json`, text, 'general');
      } catch (error) {
        failure = error;
      }
      const reported = failure !== undefined || (outcome?.summary.quarantined ?? 0) > 0;
      expect(reported, JSON.stringify(outcome?.summary)).toBe(true);
    });
  }
});
