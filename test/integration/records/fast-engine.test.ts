// The fast engine against the general one, as a property: for random valid and invalid records (the sample
// generator's corruptions plus shapes the scanner must hand over: escapes, non-ASCII, odd numbers, reordered and
// duplicate keys, blank and CRLF lines, bad UTF-8, oversized lines, repeated primary keys; and issue 16 §4's:
// values nested too deep, numbers a double would round, years 0001–0099, Unicode case traps, a byte-order mark),
// both engines write
// the same accepted rows (read back by pyarrow) and the same quarantine entries, in the same order, with or
// without worker threads (or an encoder thread), and `received = accepted + quarantined` holds.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { convertFile, type ConvertSummary } from '../../../src/jobs/convert.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { Random } from '../../../src/sample/random.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { csvRow } from '../../bench/csv.ts';

const dir = tempDir();
const readRows = join(import.meta.dirname, 'read_rows.py');

type Mutation = (line: string, rnd: Random) => string | Buffer;
const MUTATIONS: Mutation[] = [
  (l) => l.replace('"page_view"', '" PAGE_VIEW "'), // case and trim transforms the general path applies
  (l) => l.replace(/"country":"([A-Z]{2})"/, (_m, c: string) => `"country":" ${c.toLowerCase()}"`),
  (l) => l.replace('"session_id":"', '"session_id":"\\u00e9t\\u00e9'), // escapes: general path
  (l) => l.replace('"session_id":"', '"session_id":"ünïcödé-'), // non-ASCII: general path
  (l) => l.replace(/"amount":"(\d+)\.(\d\d)"/, '"amount":$1.$2'), // number instead of string
  (l) => l.replace(/"amount":"(\d+)\.(\d\d)"/, '"amount":"$1.$20"'), // too many decimals
  (l) => l.replace(/"amount":"(\d+)\.(\d\d)"/, '"amount":1e2'), // exponent
  (l) => l.replace(/"amount":"(\d+)\.(\d\d)"/, '"amount":"007.5"'),
  (l) => l.replace(/"amount":null/, '"amount":12.5'),
  (l) => l.replace(/Z"/, '+02:00"'), // offset timestamps
  (l) => l.replace(/\.\d+Z"/, 'Z"'), // no fraction
  (l) => l.replace(/\.(\d+)Z"/, '.$1999Z"'), // more than 6 digits
  (l) => l.replace(/T(\d\d)/, 'T25'), // invalid hour
  (l) => l.replace(/-(\d\d)T/, '-31T').replace(/-11-/, '-11-'), // 31 November
  (l) => l.replace('{', '{ ').replace(/,"/g, ' , "').replace(/":/g, '" : '), // whitespace everywhere
  (l) => reorder(l),
  (l) => l.replace('{', '{"user_id":"u000001",'), // duplicate key
  (l) => l.replace('{', '{"extra":1,'), // unknown key
  (l) => l.replace(/,"properties":\{[^}]*\}/, ''), // optional struct absent
  (l) => l.replace(/"properties":\{[^}]*\}/, '"properties":null'),
  (l) => l.replace(/"properties":\{[^}]*\}/, '"properties":{}'),
  (l) => l.replace(/"ab":\d/, '"ab":10'),
  (l) => l.replace(/"ab":\d/, '"ab":-0'),
  (l) => l.replace(/"ab":\d/, '"ab":"3"'),
  (l) => l.replace(/,"ab":\d/, ''),
  (l) => l.replace(/"event_id":"[^"]*"/, `"event_id":"urn:uuid:7da2849d-73eb-4438-a907-d090402c802d"`),
  (l) => l.replace(/"event_id":"([^"]*)"/, (_m, id: string) => `"event_id":"${id.toUpperCase()}"`),
  (l) => l + '\r', // CRLF
  (l) => l + ' ', // trailing space
  () => '', // blank line
  () => '   \t ',
  () => '[1,2]',
  () => 'null',
  (l) => Buffer.concat([Buffer.from(l.slice(0, 20)), Buffer.from([0xff, 0xfe]), Buffer.from(l.slice(20))]),
  (l) => l.replace('"session_id":"', `"session_id":"${'x'.repeat(300)}`), // oversized with maxRecordBytes 400
  (l) => l.replace(/"amount":"(\d+)\.(\d\d)"/, '"amount":$1.$2000000000000000001'), // a double would round it
  (l) => l.replace(/"amount":"(\d+)\.(\d\d)"/, '"amount":$1.$2000000000000000000'), // exact, many digits
  (l) => l.replace(/"ab":\d/, '"ab":1.0000000000000000001'),
  (l) => l.replace(/"country":"[A-Z]{2}"/, '"country":"ß"'), // not SS
  (l) => l.replace(/"event_type":"[a-z_]+"/, '"event_type":"clic\u212a"'), // Kelvin sign: not k
  (l) => l.replace(/"event_type":"[a-z_]+"/, '"event_type":"CLIC\u212a"'),
  (l) => l.replace(/"event_ts":"\d{4}/, '"event_ts":"0042'), // years 0001–0099 kept as they are
  (l) => l.replace(/"event_ts":"\d{4}/, '"event_ts":"0000'),
  (l) => l.replace('{', '{"\\u0063ountry":"XX",'), // a duplicate key, spelled differently
  (l) => l.replace('{', `{"deep":${'['.repeat(65)}${']'.repeat(65)},`), // deeper than MAX_JSON_DEPTH
];

function reorder(line: string): string {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(Object.fromEntries(Object.entries(record).reverse()));
  } catch {
    return line;
  }
}

function writeInput(path: string, seed: number, count: number): void {
  const rnd = new Random(seed);
  const parts: (string | Buffer)[] = [];
  const ids: string[] = [];
  for (let line of eventRecords(count, { seed, invalidRate: 0.05 })) {
    // Repeat an earlier event id now and then (de-duplication keeps the last within a batch).
    if (ids.length && rnd.chance(0.03))
      line = line.replace(/"event_id":"[^"]*"/, `"event_id":"${ids[rnd.int(0, ids.length - 1)]}"`);
    const id = /"event_id":"([^"]*)"/.exec(line)?.[1];
    if (id) ids.push(id);
    const mutated = rnd.chance(0.25) ? (MUTATIONS[rnd.int(0, MUTATIONS.length - 1)] as Mutation)(line, rnd) : line;
    parts.push(mutated, '\n');
  }
  if (rnd.chance(0.5)) parts.push('{"event_id":"no newline at the end"'); // last line without a newline
  if (rnd.chance(0.5)) parts.unshift('\ufeff'); // a byte-order mark before the first line
  writeFileSync(path, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
}

interface Output {
  summary: ConvertSummary;
  quarantine: unknown[];
  rows: unknown[];
}

async function convert(input: string, out: string, options: Parameters<typeof convertFile>[3]): Promise<Output> {
  const contract = await loadContract('events');
  const summary = await convertFile(input, contract, out, { maxRecordBytes: 400, ...options });
  const quarantine = readFileSync(summary.quarantine, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
  const { rows } = runPythonJson<{ rows: unknown[] }>(
    'tools',
    readRows,
    summary.files.map((f) => f.path),
  );
  return { summary, quarantine, rows };
}

/** Rows per row group, file by file: on the calling thread, row groups are made of whole parse batches. */
function rowGroupRows(summary: ConvertSummary): number[] {
  return summary.files.flatMap((f) => {
    const bytes = readFileSync(f.path);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return metadata.row_groups.map((g) => Number(g.num_rows));
  });
}

/**
 * Row groups hold the rows of at most `max` received records, made of whole batches: each but the last has more
 * rows than two batches could hold (so batches were joined), and together they hold every accepted row.
 */
function expectRowGroups(summary: ConvertSummary, max: number, batchSize: number): void {
  const rows = rowGroupRows(summary);
  expect(rows.length).toBeGreaterThan(1);
  for (const n of rows) expect(n).toBeLessThanOrEqual(max);
  for (const n of rows.slice(0, -1)) expect(n).toBeGreaterThan(2 * batchSize);
  expect(rows.reduce((a, b) => a + b, 0)).toBe(summary.accepted);
}

describe('fast engine = general engine', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: same rows, same quarantine, counts add up`, async () => {
      const input = join(dir, `events-${seed}.ndjson`);
      writeInput(input, seed, 3000);
      const batchSize = 700; // several batches: de-duplication scope and chunk boundaries matter
      const general = await convert(input, join(dir, `g${seed}`), { engine: 'general', batchSize });
      // Row groups of three batches on the calling thread: batches are joined before they are encoded.
      const rowGroupSize = 2200;
      const fast = await convert(input, join(dir, `f${seed}`), { engine: 'fast', batchSize, rowGroupSize, threads: 0 });
      const threaded = await convert(input, join(dir, `t${seed}`), { engine: 'fast', batchSize, threads: 2 });
      const pipelined = await convert(input, join(dir, `p${seed}`), {
        engine: 'fast',
        batchSize,
        rowGroupSize,
        threads: 0,
        encoderThread: true,
      });
      expectRowGroups(fast.summary, rowGroupSize, batchSize);
      expectRowGroups(pipelined.summary, rowGroupSize, batchSize);
      expect(general.summary.engine).toBe('general');
      expect(fast.summary.engine).toBe('fast');
      expect(threaded.summary.threads).toBe(2);
      for (const run of [general, fast, threaded, pipelined]) {
        expect(run.summary.received).toBe(run.summary.accepted + run.summary.quarantined);
        expect(run.rows).toHaveLength(run.summary.accepted);
        expect(run.quarantine).toHaveLength(run.summary.quarantined);
      }
      expect(general.summary.quarantined).toBeGreaterThan(100); // the generator and mutations did break records
      expect(fast.summary.received).toBe(general.summary.received);
      // Most records never left the typed columns; the rest went through the general path on purpose.
      expect(fast.summary.generalRecords).toBeGreaterThan(0);
      expect(fast.summary.generalRecords).toBeLessThan(fast.summary.received * 0.5);
      expect(fast.quarantine).toEqual(general.quarantine);
      expect(fast.rows).toEqual(general.rows);
      expect(threaded.quarantine).toEqual(general.quarantine);
      expect(threaded.rows).toEqual(general.rows);
      expect(pipelined.quarantine).toEqual(general.quarantine);
      expect(pipelined.rows).toEqual(general.rows);
    });
  }

  const CSV_MUTATIONS: Mutation[] = [
    (l) => l.replace(',click,', ', CLICK ,'),
    (l) => l.replace(/,([A-Z]{2}),/, (_m, c: string) => `,${c.toLowerCase()} ,`),
    (l) => l.replace(/,s-/, ',"s-'), // a quote opening inside a cell: csv-parse's call from here on
    (l) => l.replace(/,(\d+)\.(\d\d),/, ',$1.$20,'),
    (l) => l.replace(/,(\d+)\.(\d\d),/, ',007.5,'),
    (l) => l.replace(/,,/, ',12.5,'),
    (l) => l.replace(/Z,/, '+02:00,'),
    (l) => l + ',extra',
    (l) => l.replace(/,[^,]*$/, ''),
    (l) => l.replace(/"\{.*\}"$/, ''), // empty properties cell
    (l) => l.replace(/"\{.*\}"$/, 'null'),
    (l) => l.replace(/"\{.*\}"$/, '"{}"'),
    (l) => l.replace(/""ab"":\d/, '""ab"":10'),
    (l) => l.replace(/^[^,]*,/, ','), // empty required id
    (l) => l.replace(',s-', ',ünï-'),
    () => '',
    () => '   ',
  ];

  const CSV_HEADER = 'event_id,user_id,event_type,event_ts,amount,country,session_id,properties';

  for (const seed of [11, 12, 13]) {
    it(`CSV seed ${seed}: same rows, same quarantine, with and without a switch to csv-parse`, async () => {
      const rnd = new Random(seed);
      const lines = [
        CSV_HEADER,
        ...[...eventRecords(2500, { seed, invalidRate: 0.05 })].map((line) => {
          const row = csvRow(line);
          // Anomalies (quotes opening mid-cell) only late in the file, so most batches run on the fast path.
          const mutations = rnd.chance(0.002) ? CSV_MUTATIONS : CSV_MUTATIONS.filter((_m, i) => i !== 2);
          return rnd.chance(0.25) ? (mutations[rnd.int(0, mutations.length - 1)] as Mutation)(row, rnd) : row;
        }),
      ];
      const input = join(dir, `events-${seed}.csv`);
      writeFileSync(input, lines.join('\n') + '\n');
      const batchSize = 600;
      const general = await convert(input, join(dir, `cg${seed}`), { engine: 'general', batchSize });
      const rowGroupSize = 2000;
      const fast = await convert(input, join(dir, `cf${seed}`), { engine: 'fast', batchSize, rowGroupSize });
      const pipelined = await convert(input, join(dir, `cp${seed}`), {
        engine: 'fast',
        batchSize,
        rowGroupSize,
        encoderThread: true,
      });
      expect(pipelined.quarantine).toEqual(general.quarantine);
      expect(pipelined.rows).toEqual(general.rows);
      expect(fast.summary.engine).toBe('fast');
      expect(fast.summary.received).toBe(fast.summary.accepted + fast.summary.quarantined);
      expect(general.summary.quarantined).toBeGreaterThan(100);
      expect(fast.summary.received).toBe(general.summary.received);
      expect(fast.quarantine).toEqual(general.quarantine);
      expect(fast.rows).toEqual(general.rows);
    });
  }

  it('CSV switching to csv-parse mid-file keeps the rows parsed before the switch, in order, in their row group', async () => {
    const rows = [...eventRecords(2500, { seed: 21, invalidRate: 0.05 })].map((line) => csvRow(line));
    // A quote opening mid-cell in the second batch: the fast path stops there with one batch's rows pending.
    const at = rows.findIndex((row, i) => i > 900 && /,s-/.test(row));
    rows[at] = (rows[at] as string).replace(/,s-/, ',"s-');
    const input = join(dir, 'switch.csv');
    writeFileSync(input, [CSV_HEADER, ...rows].join('\n') + '\n');
    const options = { batchSize: 600, rowGroupSize: 2000 };
    const general = await convert(input, join(dir, 'sg'), { engine: 'general', ...options });
    for (const encoderThread of [false, true]) {
      const fast = await convert(input, join(dir, `sf${String(encoderThread)}`), {
        engine: 'fast',
        encoderThread,
        ...options,
      });
      expect(fast.summary.engine).toBe('fast');
      expect(fast.summary.generalRecords).toBeGreaterThan(2500 - 600 - 1); // csv-parse took the rest
      expect(fast.rows).toEqual(general.rows);
      expect(fast.quarantine).toEqual(general.quarantine);
      expect(rowGroupRows(fast.summary)[0]).toBeLessThan(600); // the first batch's rows, cut at the switch
    }
  });

  it('an oversized line across read blocks is quarantined with exact positions, and later lines keep theirs', async () => {
    const input = join(dir, 'oversized.ndjson');
    const lines = [...eventRecords(40, { seed: 9, invalidRate: 0 })];
    const huge = (lines[5] as string).replace('"session_id":"', `"session_id":"${'y'.repeat(9 * 1024 * 1024)}`);
    lines[30] = '{"broken": '; // after the oversized line: its offset must still be the source's
    writeFileSync(input, [...lines.slice(0, 5), huge, ...lines.slice(6), ''].join('\n'));
    const options = { maxRecordBytes: 1024 * 1024, batchSize: 16 };
    const general = await convert(input, join(dir, 'og'), { ...options, engine: 'general' });
    const fast = await convert(input, join(dir, 'of'), { ...options, engine: 'fast', threads: 0 });
    expect(general.quarantine).toHaveLength(2);
    expect(general.quarantine[0]).toMatchObject({ line: 6, reason: 'parse' });
    const offset = readFileSync(input).indexOf('{"broken": ');
    expect(general.quarantine[1]).toMatchObject({ line: 31, offset });
    expect(fast.quarantine).toEqual(general.quarantine);
    expect(fast.rows).toEqual(general.rows);
    expect(fast.rows).toHaveLength(38);
  });

  it('10,000-level values among valid lines: quarantined as too_deep by both engines, nothing else lost', async () => {
    const input = join(dir, 'deep.ndjson');
    const lines = [...eventRecords(300, { seed: 17, invalidRate: 0 })].map((line, i) =>
      i % 50 === 7 ? line.replace('{', `{"deep":${'['.repeat(10_000)}${']'.repeat(10_000)},`) : line,
    );
    writeFileSync(input, lines.join('\n') + '\n');
    const options = { maxRecordBytes: 1024 * 1024, batchSize: 64 };
    const general = await convert(input, join(dir, 'dg'), { ...options, engine: 'general' });
    const fast = await convert(input, join(dir, 'df'), { ...options, engine: 'fast', threads: 0 });
    expect(general.summary).toMatchObject({ received: 300, accepted: 294, quarantined: 6 });
    expect(general.quarantine.map((q) => (q as { violations: { rule: string }[] }).violations[0]?.rule)).toEqual(
      Array(6).fill('too_deep'),
    );
    expect(fast.quarantine).toEqual(general.quarantine);
    expect(fast.rows).toEqual(general.rows);
  });

  it('refuses the fast engine where it cannot run, and says why', async () => {
    const contract = await loadContract('orders');
    const input = join(dir, 'orders.ndjson');
    writeFileSync(input, '{}\n');
    await expect(convertFile(input, contract, join(dir, 'orders'), { engine: 'fast' })).rejects.toThrow(
      /fast engine cannot convert .*orders\.ndjson: line_items: list/,
    );
  });
});
