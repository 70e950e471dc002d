import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { isLakehouseError } from '../../../src/errors.ts';
import { detectFormat, openFile, parseBytes, sniffFormat } from '../../../src/formats/index.ts';
import { convertFile } from '../../../src/jobs/convert.ts';
import { bytes, collect, validEvent } from '../../helpers/collect.ts';
import { tempDir } from '../../helpers/tmp.ts';

const events = await loadContract('events');
const dir = tempDir();
const eventLine = (o: Record<string, unknown> = {}) => JSON.stringify(validEvent(o));
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('NDJSON', () => {
  it('splits lines across chunk boundaries, skips blank lines, handles CRLF', async () => {
    const text = `${eventLine({ event_id: uuid(1) })}\r\n\n${eventLine({ event_id: uuid(2) })}\n${eventLine({ event_id: uuid(3) })}`;
    const cut = [...Buffer.from(text)].map((b) => Uint8Array.of(b)); // one byte per chunk
    const out = await collect(parseBytes('ndjson', bytes(...cut)), events);
    expect(out.rows.map((r) => r.event_id)).toEqual([uuid(1), uuid(2), uuid(3)]);
    expect(out.received).toBe(3);
  });

  it('quarantines broken JSON and bad UTF-8 with line numbers and offsets, and goes on', async () => {
    const good = eventLine({ event_id: uuid(1) });
    const input = Buffer.concat([
      Buffer.from(`${good}\n{"event_id": broken\n`),
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), // {"\xff\xfe"}
      Buffer.from(`${eventLine({ event_id: uuid(2) })}\n[1,2]\n`),
    ]);
    const out = await collect(parseBytes('ndjson', bytes(input)), events);
    expect(out.rows).toHaveLength(2);
    expect(out.quarantined.map((q) => [q.line, q.reason, q.violations[0]?.rule])).toEqual([
      [2, 'parse', 'json'],
      [3, 'parse', 'encoding'],
      [5, 'validation', 'type'],
    ]);
    expect(out.quarantined[0]?.offset).toBe(good.length + 1);
    expect(out.received).toBe(out.rows.length + out.quarantined.length);
  });

  it('quarantines an oversized line without buffering it whole', async () => {
    const huge = `{"event_id":"${'x'.repeat(5000)}"}`;
    const items = parseBytes('ndjson', bytes(`${huge}\n${eventLine()}\n`), { maxRecordBytes: 1000 });
    const out = await collect(items, events);
    expect(out.quarantined.map((q) => q.violations[0]?.rule)).toEqual(['too_large']);
    expect(out.rows).toHaveLength(1);
  });
});

describe('JSON documents', () => {
  it('reads an array element by element and a single object', async () => {
    const array = JSON.stringify([validEvent({ event_id: uuid(1) }), validEvent({ event_id: uuid(2) })], null, 2);
    expect((await collect(parseBytes('json', bytes(array.slice(0, 7), array.slice(7))), events)).rows).toHaveLength(2);
    expect((await collect(parseBytes('json', bytes(eventLine())), events)).rows).toHaveLength(1);
  });

  it('keeps what precedes broken JSON and quarantines the remainder', async () => {
    const text = `[${eventLine({ event_id: uuid(1) })}, ${eventLine({ event_id: uuid(2) })}, {"event_id": oops}]`;
    const out = await collect(parseBytes('json', bytes(text)), events);
    expect(out.rows).toHaveLength(2);
    expect(out.quarantined).toHaveLength(1);
    expect(out.quarantined[0]?.violations[0]).toMatchObject({ rule: 'json' });
  });
});

describe('CSV', () => {
  const header = 'event_id,user_id,event_type,event_ts,amount,country,session_id,properties';
  it('handles quoting, embedded newlines and delimiters inside quotes; coerces per contract', async () => {
    const csv = [
      header,
      `${uuid(1)},u000001,click,2026-11-01T00:00:00Z,,us,"s-1","{""page"":""/a,b"",""ab"":3}"`,
      `${uuid(2)},u000002,purchase,2026-11-01T00:00:00.5+01:00,12.5,DE,"multi`,
      `line",`,
    ].join('\n');
    const out = await collect(parseBytes('csv', bytes(csv)), events, { textValues: true });
    expect(out.quarantined).toEqual([]);
    expect(out.rows[0]).toMatchObject({
      country: 'US',
      amount: null,
      properties: { page: '/a,b', referrer: null, ab: 3 },
    });
    expect(out.rows[1]).toMatchObject({ session_id: 'multi\nline', amount: 1250n, properties: null });
  });

  it('quarantines wrong column counts, broken quotes and bad UTF-8 with their line, and goes on', async () => {
    const csv = Buffer.concat([
      Buffer.from(`${header}\n${uuid(1)},u000001,click,2026-11-01T00:00:00Z,,US,s,\n`),
      Buffer.from(`too,few\n`),
      Buffer.from(`${uuid(3)},u000003,click,2026-11-01T00:00:00Z,,US,`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`,\n${uuid(4)},u000004,click,2026-11-01T00:00:00Z,abc,US,s,\n`),
    ]);
    const out = await collect(parseBytes('csv', bytes(csv)), events, { textValues: true });
    expect(out.rows.map((r) => r.event_id)).toEqual([uuid(1)]);
    expect(out.quarantined.map((q) => [q.line, q.violations[0]?.rule])).toEqual([
      [3, 'csv'],
      [4, 'encoding'],
      [5, 'decimal'],
    ]);
  });

  it('honours another delimiter and a BOM', async () => {
    const csv = `\ufeff${header.replaceAll(',', ';')}\n${uuid(1)};u000001;click;2026-11-01T00:00:00Z;;US;s;\n`;
    const out = await collect(parseBytes('csv', bytes(csv), { delimiter: ';' }), events, { textValues: true });
    expect(out.rows).toHaveLength(1);
  });
});

describe('format detection', () => {
  it('uses --format, then the extension, then the content', async () => {
    const noExt = join(dir, 'input');
    writeFileSync(noExt, `${eventLine()}\n${eventLine()}\n`);
    expect(await detectFormat(noExt)).toBe('ndjson');
    expect(await detectFormat(noExt, 'json')).toBe('json');
    expect(sniffFormat(Buffer.from('PAR1xxxx'))).toBe('parquet');
    expect(sniffFormat(Buffer.from('[{"a":1}]'))).toBe('json');
    expect(sniffFormat(Buffer.from('{\n "a": 1\n}'))).toBe('json');
    expect(sniffFormat(Buffer.from('a,b\n1,2\n'))).toBe('csv');
  });

  it('names an unsupported or undetectable format and lists the supported ones', async () => {
    const xml = join(dir, 'data.xml');
    writeFileSync(xml, '<a/>');
    const blob = join(dir, 'blob');
    writeFileSync(blob, 'plain words');
    for (const [path, format, pattern] of [
      [xml, undefined, /unsupported input format "xml".*json, ndjson, csv, parquet/],
      [blob, undefined, /could not detect.*json, ndjson, csv, parquet/],
      [xml, 'avro', /unsupported input format "avro"/],
    ] as const) {
      const error = await openFile(path, { format }).catch((e: unknown) => e);
      expect(isLakehouseError(error, 'UNSUPPORTED_FORMAT')).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    }
    const missing = await openFile(join(dir, 'nope.ndjson')).catch((e: unknown) => e);
    expect(isLakehouseError(missing, 'NOT_FOUND')).toBe(true);
  });
});

describe('Parquet input', () => {
  it('round-trips what convert wrote (every type) through the same path', async () => {
    const orders = await loadContract('orders');
    const input = join(dir, 'orders.ndjson');
    const order = {
      order_id: 'o00000007',
      order_number: '9007199254740993',
      user_id: 'u000001',
      order_ts: '2026-11-01T10:00:00.000001Z',
      status: 'paid',
      currency: 'EUR',
      total_amount: '1234567.12',
      discount_rate: 0.25,
      shipping_country: 'NL',
      gift: true,
      line_items: [{ sku: 'SKU-00001', product_name: 'Ünïcode ☃', quantity: 3, unit_price: '0.01' }],
    };
    writeFileSync(input, JSON.stringify(order) + '\n');
    const first = await convertFile(input, orders, join(dir, 'pq1'));
    const parquet = first.files[0]?.path as string;
    const again = await collect((await openFile(parquet)).items, orders);
    expect(again.quarantined).toEqual([]);
    expect(again.rows).toEqual([
      {
        ...order,
        order_number: 9_007_199_254_740_993n,
        order_ts: BigInt(Date.UTC(2026, 10, 1, 10)) * 1000n + 1n,
        total_amount: 123_456_712n,
        line_items: [{ sku: 'SKU-00001', product_name: 'Ünïcode ☃', quantity: 3, unit_price: 1n }],
        order_date: Date.UTC(2026, 10, 1) / 86_400_000,
      },
    ]);
  });
});
