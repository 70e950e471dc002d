import { describe, expect, it } from 'vitest';
import { envelopeRecords, readEnvelope, toStreamRecords } from '../../../src/api/envelope.ts';

const text = (data: Uint8Array): string => Buffer.from(data).toString('utf8');

describe('stream envelopes', () => {
  it('writes a header line and the records as NDJSON, a pretty-printed record on one line', () => {
    const [record] = toStreamRecords('job-1', 'events', ['{"a":1}', '{\n  "b": "x\\ny"\r\n}']);
    expect(text(record?.data ?? new Uint8Array())).toBe(
      '{"v":2,"jobId":"job-1","dataset":"events","part":0,"parts":1,"records":2}\n{"a":1}\n{   "b": "x\\ny"  }\n',
    );
    const { header, records } = envelopeRecords(record?.data ?? new Uint8Array());
    expect(header).toEqual({ v: 2, jobId: 'job-1', dataset: 'events', part: 0, parts: 1, records: 2 });
    expect(records).toEqual([{ a: 1 }, { b: 'x\ny' }]);
  });

  it('splits a request into parts of at most ~900 KiB, every record once, in order', () => {
    const raws = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(700) }));
    const records = toStreamRecords('job-2', 'events', raws);
    expect(records.length).toBeGreaterThan(1);
    for (const r of records) expect(r.data.byteLength).toBeLessThanOrEqual(1024 * 1024);
    const parsed = records.map((r) => envelopeRecords(r.data));
    expect(parsed.map((p) => p.header.part)).toEqual(records.map((_, i) => i));
    expect(parsed.every((p) => p.header.parts === records.length)).toBe(true);
    expect(parsed.flatMap((p) => p.records)).toEqual(raws.map((r) => JSON.parse(r) as unknown));
  });

  it('reads version 1 envelopes (one JSON object with a records array) into the same shape', () => {
    const v1 = Buffer.from(
      JSON.stringify({ v: 1, jobId: 'j', dataset: 'events', part: 0, parts: 1, records: [{ a: 1 }, 'x'] }),
    );
    const { header, body } = readEnvelope(v1);
    expect(header).toEqual({ v: 2, jobId: 'j', dataset: 'events', part: 0, parts: 1, records: 2 });
    expect(text(body)).toBe('{"a":1}\n"x"\n');
  });

  it.each([
    ['not JSON', 'hello\n{"a":1}\n', /not a lakehouse envelope/],
    ['no header fields', '{"v":2}\n', /\(v, jobId, dataset, part, parts\)/],
    [
      'a count that does not match',
      '{"v":2,"jobId":"j","dataset":"d","part":0,"parts":1,"records":3}\n{}\n{}\n',
      /announces 3 record lines, the body holds 2/,
    ],
    [
      'a truncated last line',
      '{"v":2,"jobId":"j","dataset":"d","part":0,"parts":1,"records":2}\n{}\n{"a"',
      /truncated/,
    ],
    [
      'an empty record line',
      '{"v":2,"jobId":"j","dataset":"d","part":0,"parts":1,"records":2}\n{}\n\n',
      /empty record line/,
    ],
  ])('rejects %s with a specific error', (_name, data, message) => {
    expect(() => readEnvelope(Buffer.from(data))).toThrow(message);
  });

  it('refuses an empty record when writing', () => {
    expect(() => toStreamRecords('j', 'events', ['{}', '  '])).toThrow(/a record is empty/);
  });

  it('quarantine lines: the record text as a JSON string, flagged in the header, cut to fit a stream record', () => {
    const huge = `{"x":"${'\u0001'.repeat(400_000)}"}`; // escapes to 6 bytes a character: far over the limit as JSON
    const lines = [
      { text: '{"a":1}' },
      { text: '{"broken": ', quarantine: true },
      { text: '{"b":2}' },
      ...Array.from({ length: 3 }, () => ({ text: huge, quarantine: true })),
    ];
    const records = toStreamRecords('job-q', 'events', lines);
    for (const r of records) expect(r.data.byteLength).toBeLessThanOrEqual(1024 * 1024);
    const parsed = records.map((r) => envelopeRecords(r.data));
    expect(parsed.reduce((n, p) => n + p.header.records, 0)).toBe(6);
    // Each cut record takes a stream record of its own: the first holds the three small lines.
    expect(parsed.map((p) => [p.header.records, p.header.quarantined])).toEqual([
      [3, [2]],
      [1, [1]],
      [1, [1]],
      [1, [1]],
    ]);
    expect(parsed[0]?.records.slice(0, 3)).toEqual([{ a: 1 }, '{"broken": ', { b: 2 }]);
    const cut = parsed.flatMap((p) => p.records).slice(3) as string[];
    for (const text of cut) expect(huge.startsWith(text) && text.length < huge.length).toBe(true);
    expect(parsed.flatMap((p) => p.header.quarantined ?? []).length).toBe(4);
  });

  it('a header flag that does not name a record line is dropped when read', () => {
    for (const flags of [[0], [3], ['1'], 'all']) {
      const data = `{"v":2,"jobId":"j","dataset":"d","part":0,"parts":1,"records":2,"quarantined":${JSON.stringify(flags)}}\n{}\n{}\n`;
      expect(readEnvelope(Buffer.from(data)).header.quarantined).toBeUndefined();
    }
    const valid = '{"v":2,"jobId":"j","dataset":"d","part":0,"parts":1,"records":2,"quarantined":[2]}\n{}\n{}\n';
    expect(readEnvelope(Buffer.from(valid)).header.quarantined).toEqual([2]);
  });
});
