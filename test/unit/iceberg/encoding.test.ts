// Byte-level encodings the spec fixes: single-value serialisation of bounds, partition transforms, lossless
// metadata JSON with 63-bit ids, and Avro containers that keep field ids and 64-bit longs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAvroContainer, writeAvroContainer } from '../../../src/iceberg/avro.ts';
import {
  decimalBytes,
  decimalFromBytes,
  fromBytes,
  toBytes,
  truncateLower,
  truncateUpper,
} from '../../../src/iceberg/conversions.ts';
import {
  metadataVersion,
  newMetadataLocation,
  newSnapshotId,
  parseMetadata,
  serializeMetadata,
} from '../../../src/iceberg/metadata.ts';
import { applyTransform } from '../../../src/iceberg/partition.ts';
import { parseTimestampMicros } from '../../../src/records/values.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('single-value serialisation (spec appendix D)', () => {
  it('encodes ints, longs, timestamps and doubles little-endian, strings as UTF-8', () => {
    expect(hex(toBytes('int', 1))).toBe('01000000');
    expect(hex(toBytes('date', -1))).toBe('ffffffff');
    expect(hex(toBytes('long', 2n ** 40n))).toBe('0000000000010000');
    expect(hex(toBytes('timestamptz', 1n))).toBe('0100000000000000');
    expect(hex(toBytes('double', 1))).toBe('000000000000f03f');
    expect(hex(toBytes('string', 'é'))).toBe('c3a9');
    expect(hex(toBytes('boolean', true))).toBe('01');
  });

  it('encodes decimals as minimal big-endian two’s complement', () => {
    expect(hex(decimalBytes(1234n))).toBe('04d2');
    expect(hex(decimalBytes(-1n))).toBe('ff');
    expect(hex(decimalBytes(127n))).toBe('7f');
    expect(hex(decimalBytes(128n))).toBe('0080');
    expect(hex(decimalBytes(-129n))).toBe('ff7f');
    expect(hex(decimalBytes(0n))).toBe('00');
  });

  it('round-trips every value it encodes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }), (n) => decimalFromBytes(decimalBytes(n)) === n),
    );
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (n) => fromBytes('long', toBytes('long', n)) === n,
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => fromBytes('int', toBytes('int', n)) === n),
    );
    fc.assert(fc.property(fc.string(), (s) => fromBytes('string', toBytes('string', s)) === s));
  });

  it('truncates string bounds to 16 characters so that they still bound the value', () => {
    expect(truncateLower('a'.repeat(20))).toBe('a'.repeat(16));
    expect(truncateUpper('a'.repeat(20))).toBe('a'.repeat(15) + 'b');
    expect(truncateUpper('short')).toBe('short');
    expect(truncateUpper('\u{10FFFF}'.repeat(17))).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ minLength: 17, unit: 'grapheme' }), (s) => {
        const upper = truncateUpper(s);
        return (
          Buffer.compare(Buffer.from(truncateLower(s)), Buffer.from(s)) <= 0 &&
          (upper === undefined || Buffer.compare(Buffer.from(upper), Buffer.from(s)) > 0)
        );
      }),
    );
  });
});

describe('partition transforms', () => {
  const ts = (text: string) => parseTimestampMicros(text);
  it('computes day, hour, month and year from timestamps, before 1970 too', () => {
    expect(applyTransform('day', 'timestamptz', ts('2026-11-06T23:59:59.999999Z'))).toBe(
      Date.UTC(2026, 10, 6) / 86_400_000,
    );
    expect(applyTransform('day', 'timestamptz', ts('1969-12-31T23:59:59.999999Z'))).toBe(-1);
    expect(applyTransform('hour', 'timestamptz', ts('1970-01-01T05:00:00Z'))).toBe(5);
    expect(applyTransform('hour', 'timestamptz', ts('1969-12-31T23:30:00Z'))).toBe(-1);
    expect(applyTransform('month', 'timestamptz', ts('2026-11-06T00:00:00Z'))).toBe(56 * 12 + 10);
    expect(applyTransform('year', 'timestamptz', ts('1969-06-01T00:00:00Z'))).toBe(-1);
    expect(applyTransform('month', 'date', 31)).toBe(1);
    expect(applyTransform('identity', 'string', 'x')).toBe('x');
    expect(applyTransform('day', 'timestamptz', null)).toBeNull();
  });
});

describe('table metadata JSON', () => {
  const text = `{
  "format-version": 2,
  "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1",
  "location": "/w/raw/t",
  "last-sequence-number": 2,
  "last-updated-ms": 1700000000000,
  "last-column-id": 1,
  "schemas": [{ "type": "struct", "schema-id": 0, "fields": [{ "id": 1, "name": "x", "required": false, "type": "long" }] }],
  "current-schema-id": 0,
  "partition-specs": [{ "spec-id": 0, "fields": [] }],
  "default-spec-id": 0,
  "last-partition-id": 999,
  "properties": {},
  "current-snapshot-id": 9223372036854775807,
  "snapshots": [
    { "snapshot-id": 9223372036854775806, "sequence-number": 1, "timestamp-ms": 1, "manifest-list": "a", "summary": { "operation": "append" } },
    { "snapshot-id": 9223372036854775807, "parent-snapshot-id": 9223372036854775806, "sequence-number": 2, "timestamp-ms": 2, "manifest-list": "b", "summary": { "operation": "append" } }
  ],
  "snapshot-log": [],
  "metadata-log": [],
  "sort-orders": [{ "order-id": 0, "fields": [] }],
  "default-sort-order-id": 0,
  "x-unknown-extension": { "kept": [1, 2.5, 12345678901234567890] }
}`;

  it('keeps 63-bit snapshot ids exact and unknown fields intact through parse and serialise', () => {
    const metadata = parseMetadata(text);
    expect(metadata['current-snapshot-id']).toBe(9223372036854775807n);
    expect(metadata.snapshots[1]?.['parent-snapshot-id']).toBe(9223372036854775806n);
    expect(metadata.snapshots[0]?.['sequence-number']).toBe(1n);
    const again = serializeMetadata(metadata);
    expect(again).toContain('"current-snapshot-id": 9223372036854775807');
    expect(again).toContain('12345678901234567890');
    expect(parseMetadata(again)).toEqual(metadata);
  });

  it('rejects format-version 1 with a clear error', () => {
    expect(() => parseMetadata(text.replace('"format-version": 2', '"format-version": 1'), 'v1.json')).toThrow(
      /v1\.json: only Iceberg format-version 2/,
    );
  });

  it('numbers metadata files so that the version increments', () => {
    const first = newMetadataLocation('/w/t', undefined);
    expect(first).toMatch(/^\/w\/t\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);
    expect(metadataVersion(newMetadataLocation('/w/t', first))).toBe(1);
  });

  it('draws positive 63-bit snapshot ids', () => {
    for (let i = 0; i < 100; i++) {
      const id = newSnapshotId();
      expect(id > 0n && id < 2n ** 63n).toBe(true);
    }
  });
});

describe('Avro containers', () => {
  it('keep field ids in the header schema and 64-bit longs exact', () => {
    const schema = {
      type: 'record',
      name: 'r',
      fields: [
        { name: 'id', type: 'long', 'field-id': 1 },
        { name: 'maybe', type: ['null', 'long'], default: null, 'field-id': 2 },
        { name: 'tags', type: { type: 'array', items: 'string', 'element-id': 4 }, 'field-id': 3 },
      ],
    };
    const records = Array.from({ length: 2500 }, (_, i) => ({
      id: 2n ** 63n - 1n - BigInt(i),
      maybe: i % 2 ? null : -(2n ** 63n),
      tags: [`t${i}`],
    }));
    const bytes = writeAvroContainer(schema, records, { 'format-version': '2' });
    const read = readAvroContainer(bytes);
    expect(read.schema).toEqual(schema);
    expect(read.metadata['format-version']).toBe('2');
    expect(read.metadata['avro.codec']).toBe('deflate');
    expect(read.records).toEqual(records);
  });

  it('names the file when it is not Avro', () => {
    expect(() => readAvroContainer(new Uint8Array([1, 2, 3, 4]), 'x.avro')).toThrow(/x\.avro is not an Avro container/);
  });
});
