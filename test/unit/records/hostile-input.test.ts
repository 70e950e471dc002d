// Hostile input through the record path (issue 16 §4), with generated corpora: every record received is accepted
// or quarantined with a specific rule, later records are never lost, the run never aborts — and the fast engine
// (NDJSON) quarantines exactly what the general one does.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractFromDocument, loadContract } from '../../../src/contracts/load.ts';
import { parseBytes } from '../../../src/formats/index.ts';
import { convertFile, type ConvertSummary } from '../../../src/jobs/convert.ts';
import { bytes, collect, validEvent } from '../../helpers/collect.ts';
import { tempDir } from '../../helpers/tmp.ts';

const events = await loadContract('events');
const dir = tempDir();
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const event = (i: number, o: Record<string, unknown> = {}) => JSON.stringify(validEvent({ event_id: uuid(i), ...o }));
const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

/** Bad elements (or lines) of each kind, and the rule each must be quarantined with. */
const BAD: Record<string, { bytes: Buffer; rule: string }> = {
  utf8: {
    bytes: Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    rule: 'encoding',
  },
  deep: { bytes: Buffer.from(`{"event_id":"x","properties":${deep(10_000)}}`), rule: 'too_deep' },
  second: { bytes: Buffer.from(`${event(99_999)} ${event(99_998)}`), rule: 'json' },
  duplicate: { bytes: Buffer.from(event(99_997).replace('{', '{"country":"DE",')), rule: 'duplicate_key' },
};

/** Bytes in chunks of `size`, as a stream would deliver them. */
async function* chunked(data: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function bothEngines(name: string, content: Buffer | string): Promise<Record<'general' | 'fast', Run>> {
  const input = join(dir, `${name}.ndjson`);
  writeFileSync(input, content);
  const general = await run(input, join(dir, `${name}-g`), 'general');
  const fast = await run(input, join(dir, `${name}-f`), 'fast');
  expect(fast.quarantine).toEqual(general.quarantine);
  expect(fast.summary.accepted).toBe(general.summary.accepted);
  return { general, fast };
}

interface Run {
  summary: ConvertSummary;
  quarantine: { line: number; reason: string; violations: { path: string; rule: string; actual: unknown }[] }[];
}

async function run(input: string, out: string, engine: 'general' | 'fast'): Promise<Run> {
  const summary = await convertFile(input, events, out, { engine, threads: 0 });
  expect(summary.received).toBe(summary.accepted + summary.quarantined);
  const written = existsSync(summary.quarantine) ? readFileSync(summary.quarantine, 'utf8') : '';
  const quarantine = written
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Run['quarantine'][number]);
  return { summary, quarantine };
}

describe('JSON arrays: a bad element is quarantined alone, and the next one is read', () => {
  it('property: 1,000 records, one bad element anywhere, any chunking — 999 accepted, 1 quarantined', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom(...Object.keys(BAD)),
        fc.integer({ min: 1, max: 70_000 }),
        async (at, kind, chunkSize) => {
          const bad = BAD[kind] as (typeof BAD)[string];
          const elements = Array.from({ length: 1000 }, (_v, i) => (i === at ? bad.bytes : Buffer.from(event(i))));
          const document = Buffer.concat([
            Buffer.from('[\n'),
            ...elements.flatMap((e, i) => (i ? [Buffer.from(',\n'), e] : [e])),
            Buffer.from('\n]\n'),
          ]);
          const out = await collect(parseBytes('json', chunked(document, chunkSize)), events);
          expect(out.received).toBe(1000);
          expect(out.rows).toHaveLength(999);
          expect(out.quarantined.map((q) => [q.line, q.violations[0]?.rule])).toEqual([[at + 2, bad.rule]]);
          expect(out.quarantined[0]?.offset).toBe(document.indexOf(bad.bytes));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('converts a .json file with a 10,000-level element: every other record kept', async () => {
    const input = join(dir, 'array.json');
    const elements = Array.from({ length: 1000 }, (_v, i) => (i === 1 ? `{"a":${deep(10_000)}}` : event(i)));
    writeFileSync(input, `[${elements.join(',')}]`);
    const summary = await convertFile(input, events, join(dir, 'array-out'));
    expect(summary).toMatchObject({ received: 1000, accepted: 999, quarantined: 1 });
  });

  it('reports a missing element and content after the array, each once', async () => {
    const text = `[${event(1)},,${event(2)}] {"after":1}`;
    const out = await collect(parseBytes('json', bytes(text)), events);
    expect(out.rows).toHaveLength(2);
    expect(out.quarantined.map((q) => q.violations[0]?.actual)).toEqual([
      'an array element is missing',
      'content after the end of the JSON document',
    ]);
  });
});

describe('NDJSON: hostile lines in both engines', () => {
  it('a 10,000-level value is quarantined as too_deep; the run goes on (no stack overflow anywhere)', async () => {
    const lines = [event(1), `{"event_id":"${uuid(2)}","properties":{"page":${deep(10_000)}}}`, event(3)];
    const { general } = await bothEngines('deep', lines.join('\n'));
    expect(general.summary).toMatchObject({ received: 3, accepted: 2, quarantined: 1 });
    expect(general.quarantine[0]).toMatchObject({ line: 2, violations: [{ rule: 'too_deep' }] });
  });

  it('a duplicate key is a violation, not last-wins', async () => {
    const lines = [
      event(1).replace('{', '{"country":"XX",'),
      event(2),
      event(3).replace('"session_id":"s-1"', '"session_id":"s-1","session_id":"s-2"'),
    ];
    const { general } = await bothEngines('dup', lines.join('\n'));
    expect(general.quarantine.map((q) => [q.line, q.violations[0]?.rule, q.violations[0]?.path])).toEqual([
      [1, 'duplicate_key', '/country'],
      [3, 'duplicate_key', '/session_id'],
    ]);
  });

  it('a byte-order mark before the first line is skipped', async () => {
    const { general } = await bothEngines('bom', `\ufeff${event(1)}\n${event(2)}\n`);
    expect(general.summary).toMatchObject({ received: 2, accepted: 2, quarantined: 0 });
  });

  it('case transforms fold ASCII only: ß does not become SS, the Kelvin sign does not become k', async () => {
    const lines = [event(1, { country: 'ß' }), event(2, { event_type: 'clic\u212a' }), event(3, { country: 'fr' })];
    const { general } = await bothEngines('case', lines.join('\n'));
    expect(general.quarantine.map((q) => [q.line, q.violations[0]?.rule])).toEqual([
      [1, 'pattern'],
      [2, 'enum'],
    ]);
    expect(general.summary.accepted).toBe(1);
  });

  it('decimals are checked on the number as sent: 12.300000000000000001 is not 12.30', async () => {
    const lines = [
      `${event(1).slice(0, -1)},"amount":12.300000000000000001}`.replace('"amount":null,', ''),
      `${event(2).slice(0, -1)},"amount":12.30}`.replace('"amount":null,', ''),
      `${event(3).slice(0, -1)},"amount":1.5e2}`.replace('"amount":null,', ''),
    ];
    const { general } = await bothEngines('decimal', lines.join('\n'));
    expect(general.quarantine).toHaveLength(1);
    expect(general.quarantine[0]?.violations[0]).toMatchObject({
      path: '/amount',
      rule: 'decimal',
      actual: '12.300000000000000001',
    });
  });
});

describe('exact values', () => {
  const decimalContract = contractFromDocument(
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      'x-lakehouse': { dataset: 'exact', version: 1, primaryKey: ['id'] },
      required: ['id'],
      additionalProperties: false,
      properties: {
        id: { type: 'integer', 'x-type': 'long', 'x-field-id': 1 },
        price: { type: ['number', 'string'], 'x-type': 'decimal(38,20)', 'x-field-id': 2 },
        count: { type: ['integer', 'null'], 'x-type': 'long', 'x-field-id': 3 },
        ratio: { type: ['number', 'null'], 'x-field-id': 4 },
        at: { type: ['string', 'null'], format: 'date-time', 'x-type': 'timestamp', 'x-field-id': 5 },
        day: { type: ['string', 'null'], format: 'date', 'x-type': 'date', 'x-field-id': 6 },
      },
    },
    'test:exact',
  );

  async function rowsOf(lines: string[]) {
    return collect(parseBytes('ndjson', bytes(lines.join('\n'))), decimalContract);
  }

  it('keeps every digit of a decimal a double cannot hold, and rounds nothing into an integer', async () => {
    const out = await rowsOf([
      '{"id":1,"price":123456789012345678.12345678901234567891}',
      '{"id":2,"price":1.5e-19,"ratio":0.1000000000000000055511151231257827}',
      '{"id":3,"count":1.0000000000000000001}',
      '{"id":4,"price":1e-21}',
    ]);
    expect(out.rows.map((r) => [r.id, r.price, r.ratio])).toEqual([
      [1n, 12345678901234567812345678901234567891n, null],
      [2n, 15n, 0.1],
    ]);
    expect(out.quarantined.map((q) => [q.line, q.violations[0]?.rule, q.violations[0]?.actual])).toEqual([
      [3, 'long', '1.0000000000000000001'],
      [4, 'decimal', 1e-21], // its double prints as sent: the number itself is shown
    ]);
  });

  it('stores years 0001–0099 as they are, and refuses year 0000', async () => {
    const micros = (year: number) => {
      const date = new Date(Date.UTC(2000, 0, 2, 3, 4, 5));
      date.setUTCFullYear(year);
      return BigInt(date.getTime()) * 1000n + 6n;
    };
    const out = await rowsOf([
      '{"id":1,"at":"0001-01-02T03:04:05.000006Z","day":"0050-01-02"}',
      '{"id":2,"at":"0099-01-02T03:04:05.000006Z"}',
      '{"id":3,"at":"0000-01-02T03:04:05Z"}',
      '{"id":4,"day":"0000-01-02"}',
    ]);
    expect(out.rows.map((r) => r.at)).toEqual([micros(1), micros(99)]);
    const day50 = new Date(Date.UTC(2000, 0, 2));
    day50.setUTCFullYear(50);
    expect(out.rows[0]?.day).toBe(day50.getTime() / 86_400_000);
    expect(out.quarantined.map((q) => [q.line, q.violations[0]?.rule])).toEqual([
      [3, 'timestamp'],
      [4, 'date'],
    ]);
  });
});

describe('CSV cells holding JSON', () => {
  it('are decoded exactly too: depth limit, duplicate keys, decimals as sent', async () => {
    const contract = contractFromDocument(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        'x-lakehouse': { dataset: 'cells', version: 1, primaryKey: ['id'] },
        required: ['id'],
        additionalProperties: false,
        properties: {
          id: { type: 'integer', 'x-type': 'long', 'x-field-id': 1 },
          detail: {
            type: ['object', 'null'],
            'x-field-id': 2,
            additionalProperties: false,
            properties: {
              price: { type: ['number', 'null'], 'x-type': 'decimal(38,20)', 'x-field-id': 3 },
              cents: { type: ['number', 'null'], 'x-type': 'decimal(12,2)', 'x-field-id': 4 },
            },
          },
        },
      },
      'test:cells',
    );
    const cell = (json: string) => `"${json.replaceAll('"', '""')}"`;
    const csv = [
      'id,detail',
      `1,${cell('{"price":1.12345678901234567891}')}`,
      `2,${cell('{"cents":12.300000000000000001}')}`,
      `3,${cell(`{"price":${deep(10_000)}}`)}`,
      `4,${cell('{"cents":1,"cents":2}')}`,
    ].join('\n');
    const out = await collect(parseBytes('csv', bytes(csv)), contract, { textValues: true });
    expect(out.received).toBe(4);
    expect(out.rows.map((r) => r.detail)).toEqual([{ price: 112345678901234567891n, cents: null }]);
    // A cell that does not decode is reported with the decoder's own rule, as the same JSON in NDJSON would be,
    // and only with it (not also as a `type` violation of the text).
    expect(out.quarantined.map((q) => q.violations.map((v) => [q.line, v.rule, v.path.slice(0, 14)]))).toEqual([
      [[3, 'decimal', '/detail/cents']],
      [[4, 'too_deep', '/detail/price/']],
      [[5, 'duplicate_key', '/detail/cents']],
    ]);
  });
});
