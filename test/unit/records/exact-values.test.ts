// Values stored exactly or refused: timestamps whose instant leaves years 0001–9999 UTC or that name a leap second,
// strings holding a lone surrogate, CSV doubles written as JavaScript literals, numbers a double cannot hold, and
// bounds broken by a number's exact text when its double keeps within them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contractFromDocument, loadContract } from '../../../src/contracts/load.ts';
import type { Field } from '../../../src/contracts/model.ts';
import { checkXType } from '../../../src/contracts/vocabulary.ts';
import { parseBytes } from '../../../src/formats/index.ts';
import { compareExactDecimals, decodeJsonText, exactDecimal } from '../../../src/formats/json-value.ts';
import { CellProblem, coerceText, formatTimestampMicros, parseTimestampMicros } from '../../../src/records/values.ts';
import { bytes, collect, validEvent } from '../../helpers/collect.ts';

const events = await loadContract('events');
const orders = await loadContract('orders');
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const ndjson = (records: Record<string, unknown>[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** The rules of each quarantined record, by line. */
const rulesByLine = (quarantined: { line: number; violations: readonly { rule: string; path: string }[] }[]) =>
  quarantined.map((q) => [q.line, q.violations.map((v) => `${v.rule} ${v.path}`)]);

describe('timestamps: the instant, not the text, is bounded to years 0001–9999 UTC', () => {
  it('refuses an offset that moves the instant across either bound; keeps the instants just inside', async () => {
    const inside = ['0001-01-01T00:01:00+00:01', '9999-12-31T23:58:59-00:01', '9999-12-31T23:59:59.999999Z'];
    const outside = ['0001-01-01T00:00:00+00:01', '0001-01-01T00:59:59.999999+01:00', '9999-12-31T23:59:59-00:01'];
    const times = [...inside, ...outside];
    const out = await collect(
      parseBytes('ndjson', bytes(ndjson(times.map((t, i) => validEvent({ event_id: uuid(i), event_ts: t }))))),
      events,
    );
    expect(out.rows.map((r) => formatTimestampMicros(r.event_ts as bigint))).toEqual([
      '0001-01-01T00:00:00.000000Z',
      '9999-12-31T23:59:59.000000Z',
      '9999-12-31T23:59:59.999999Z',
    ]);
    expect(rulesByLine(out.quarantined)).toEqual([4, 5, 6].map((line) => [line, ['timestamp /event_ts']]));
  });

  it('property: checkXType accepts a timestamp exactly when its UTC instant lies in 0001-01-01..9999-12-31', () => {
    const lowest = parseTimestampMicros('0001-01-01T00:00:00Z');
    const highest = parseTimestampMicros('9999-12-31T23:59:59.999999Z');
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.constantFrom('0001-01-01', '0001-01-02', '9999-12-30', '9999-12-31'),
        fc.integer({ min: 0, max: 86_399 }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (day, second, offsetMinutes) => {
          const clock = `${pad(Math.floor(second / 3600), 2)}:${pad(Math.floor(second / 60) % 60, 2)}:${pad(second % 60, 2)}`;
          const sign = offsetMinutes < 0 ? '-' : '+';
          const magnitude = Math.abs(offsetMinutes);
          const text = `${day}T${clock}${sign}${pad(Math.floor(magnitude / 60), 2)}:${pad(magnitude % 60, 2)}`;
          const micros = parseTimestampMicros(text);
          const problem = checkXType('timestamp', text, {});
          expect(problem === undefined).toBe(micros >= lowest && micros <= highest);
        },
      ),
    );
  });
});

describe('timestamps: a leap second is refused', () => {
  it('23:59:60 (a real leap second or not, with Z or an offset) is a `timestamp` violation; :59 is stored', async () => {
    const times = [
      '2016-12-31T23:59:60Z',
      '2026-06-30T23:59:60.5Z',
      '2017-01-01T00:59:60+01:00',
      '2016-12-31T23:59:59Z',
    ];
    const out = await collect(
      parseBytes('ndjson', bytes(ndjson(times.map((t, i) => validEvent({ event_id: uuid(i), event_ts: t }))))),
      events,
    );
    expect(out.rows.map((r) => formatTimestampMicros(r.event_ts as bigint))).toEqual(['2016-12-31T23:59:59.000000Z']);
    expect(rulesByLine(out.quarantined)).toEqual([1, 2, 3].map((line) => [line, ['timestamp /event_ts']]));
  });
});

describe('strings: a lone surrogate is an `encoding` violation, wherever the JSON comes from', () => {
  it('decodeJsonText refuses lone high and low surrogates in values and keys, with their path', () => {
    expect(decodeJsonText('{"a":["x","\\ud800"]}')).toMatchObject({ ok: false, rule: 'encoding', path: '/a/1' });
    expect(decodeJsonText('{"a":"x\\uDFFF"}')).toMatchObject({ ok: false, rule: 'encoding', path: '/a' });
    expect(decodeJsonText('{"\\udc00":1}')).toMatchObject({ ok: false, rule: 'encoding', path: '/\udc00' });
    expect(decodeJsonText('"\\udbff\\ud800"')).toMatchObject({ ok: false, rule: 'encoding' });
    // A pair is one character; an escaped backslash before `ud800` is text.
    expect(decodeJsonText('{"a":"\\ud83d\\ude00"}')).toEqual({ ok: true, value: { a: '\u{1f600}' } });
    expect(decodeJsonText('{"a":"\\\\ud800"}')).toEqual({ ok: true, value: { a: '\\ud800' } });
  });

  it('property: a string is accepted exactly when UTF-8 holds it unchanged', () => {
    const unit = fc.oneof(
      fc.constantFrom('a', '\\', '"', 'é', '\u{1f600}'),
      fc.integer({ min: 0xd7fe, max: 0xe001 }).map((c) => String.fromCharCode(c)),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (s) => {
        const decoded = decodeJsonText(JSON.stringify({ s, list: [s] }));
        const utf8Exact = Buffer.from(s, 'utf8').toString('utf8') === s;
        expect(decoded.ok).toBe(utf8Exact);
        if (!decoded.ok) expect(decoded.rule).toBe('encoding');
      }),
    );
  });

  it('a CSV cell holding JSON with a lone surrogate is quarantined as `encoding`', async () => {
    const cell = (json: string) => `"${json.replaceAll('"', '""')}"`;
    const header = 'event_id,user_id,event_type,event_ts,amount,country,session_id,properties';
    const row = (i: number, properties: string) =>
      `${uuid(i)},u000001,click,2026-11-01T01:18:26Z,,FR,s-${i},${cell(properties)}`;
    const csv = [header, row(1, '{"page":"/\\ud800"}'), row(2, '{"page":"/"}')].join('\n') + '\n';
    const out = await collect(parseBytes('csv', bytes(csv)), events, { textValues: true });
    expect(out.received).toBe(2);
    expect(out.rows).toHaveLength(1);
    expect(rulesByLine(out.quarantined)).toEqual([[2, ['encoding /properties/page']]]);
  });
});

describe('CSV doubles: decimal number text only', () => {
  const rate = orders.inputFields.find((f) => f.name === 'discount_rate') as Field;

  it('refuses JavaScript literals and blanks; reads decimal and scientific notation', () => {
    for (const text of ['0x1', '0b1', '0o1', 'Infinity', '-Infinity', 'NaN', ' 1', '1 ', '1_0', '.5', '5.', '1e'])
      expect(coerceText(rate, text)).toBe(text);
    expect(coerceText(rate, '0.25')).toBe(0.25);
    expect(coerceText(rate, '+1')).toBe(1);
    expect(coerceText(rate, '007')).toBe(7);
    expect(coerceText(rate, '2.5E-3')).toBe(0.0025);
  });

  it('property: the text of any finite double reads back as that double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), (d) => {
        if (d !== 0 && Math.abs(d) < 2 ** -1022) return; // subnormals: out of range (next test)
        expect(coerceText(rate, String(d))).toBe(d === 0 ? 0 : d);
      }),
    );
  });

  it('a number a double cannot hold is a `range` problem, not 0 or Infinity', () => {
    for (const text of ['1e-400', '-1e-400', '1.2345678901234567e-310', '1e400'])
      expect(coerceText(rate, text)).toEqual(new CellProblem('range', `${text} is out of the range of a double`, ''));
    expect(coerceText(rate, '0e-400')).toBe(0);
    expect(coerceText(rate, '1e-320')).toBe(1e-320); // subnormal, and gives its text back
  });

  it('a CSV cell holding JSON with trailing content is `json`, not `type`', async () => {
    const header = 'event_id,user_id,event_type,event_ts,amount,country,session_id,properties';
    const csv = `${header}\n${uuid(1)},u000001,click,2026-11-01T01:18:26Z,,FR,s-1,"{""page"":""/""} x"\n`;
    const out = await collect(parseBytes('csv', bytes(csv)), events, { textValues: true });
    expect(rulesByLine(out.quarantined)).toEqual([[2, ['json /properties']]]);
  });
});

describe('JSON numbers: checked on their exact text where the double differs', () => {
  const order = (i: number, discount: string) =>
    JSON.stringify({
      order_id: `o${String(i).padStart(8, '0')}`,
      order_number: i,
      user_id: 'u000001',
      order_ts: '2026-11-03T10:20:03Z',
      status: 'paid',
      currency: 'USD',
      total_amount: '1.00',
      discount_rate: 0.5,
      shipping_country: 'BR',
      gift: false,
      line_items: [{ sku: 'SKU-00001', quantity: 1, unit_price: '1.00' }],
    }).replace('"discount_rate":0.5', `"discount_rate":${discount}`);

  it('a non-zero number that underflows or overflows a double is `range`; one just under a bound is kept', async () => {
    const discounts = [
      '1e-400',
      '1.2345678901234567e-310',
      '1.0000000000000000001',
      '0.99999999999999999999',
      '0e-400',
      '1e400',
      '1e-320',
    ];
    const text = discounts.map((d, i) => order(i + 1, d)).join('\n') + '\n';
    const out = await collect(parseBytes('ndjson', bytes(text)), orders);
    // 0.999… rounds to the double 1, within bounds; 1e-320 is subnormal but read back as sent.
    expect(out.rows.map((r) => r.discount_rate)).toEqual([1, 0, 1e-320]);
    expect(rulesByLine(out.quarantined)).toEqual([
      [1, ['range /discount_rate']],
      [2, ['range /discount_rate']],
      [3, ['maximum /discount_rate']],
      [6, ['type /discount_rate']], // JSON.parse reads 1e400 as Infinity, not a JSON Schema number
    ]);
  });

  it('decimal strings are compared with their bounds digit for digit', async () => {
    const contract = contractFromDocument(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        'x-lakehouse': { dataset: 'bounds', version: 1, primaryKey: ['id'] },
        required: ['id'],
        additionalProperties: false,
        properties: {
          id: { type: 'integer', 'x-type': 'long', 'x-field-id': 1 },
          share: { type: ['string', 'number'], 'x-type': 'decimal(38,20)', maximum: 1, 'x-field-id': 2 },
        },
      },
      'test:bounds',
    );
    const shares = ['"1.0000000000000000001"', '1.0000000000000000001', '"0.99999999999999999999"', '"1"'];
    const text = shares.map((s, i) => `{"id":${i + 1},"share":${s}}`).join('\n') + '\n';
    const out = await collect(parseBytes('ndjson', bytes(text)), contract);
    expect(out.rows.map((r) => r.share)).toEqual([99_999_999_999_999_999_999n, 100_000_000_000_000_000_000n]);
    expect(rulesByLine(out.quarantined)).toEqual([
      [1, ['decimal /share']],
      [2, ['maximum /share']],
    ]);
  });

  it('property: compareExactDecimals orders number texts as their values', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (a, b) => {
          const order = compareExactDecimals(
            exactDecimal(String(a)) as NonNullable<ReturnType<typeof exactDecimal>>,
            exactDecimal(String(b)) as NonNullable<ReturnType<typeof exactDecimal>>,
          );
          expect(Math.sign(order)).toBe(Math.sign(a - b) || 0);
        },
      ),
    );
  });
});
