// The processor's own columns must be Parquet's PLAIN layout exactly (4-byte little-endian length, then the
// bytes), whether values are pushed one by one or repeated: the encoder copies them into pages as they lie.
import { describe, expect, it } from 'vitest';
import { BytesColumn, constantBytesColumn } from '../../../src/processor/columns.ts';
import { field, STRING } from '../../helpers/fields.ts';

const FIELD = field(1, 'v', STRING, false);

function plain(values: readonly string[]): { bytes: Buffer; starts: number[] } {
  const parts: Buffer[] = [];
  const starts = [0];
  let at = 0;
  for (const v of values) {
    const body = Buffer.from(v, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(body.length);
    parts.push(length, body);
    at += 4 + body.length;
    starts.push(at);
  }
  return { bytes: Buffer.concat(parts), starts };
}

describe('BytesColumn', () => {
  it('lays pushed and repeated values out as PLAIN byte arrays, in order', () => {
    const source = Buffer.from('alpha\nbé\n', 'utf8');
    const column = new BytesColumn(8, 64);
    column.push(source, 0, 5);
    column.repeat(Buffer.from('job-1'), 3);
    column.repeat(Buffer.from(''), 2);
    column.push(source, 6, source.length - 1);
    column.repeat(Buffer.from('x'), 0);
    const vector = column.vector(FIELD);
    const expected = plain(['alpha', 'job-1', 'job-1', 'job-1', '', '', 'bé']);
    expect(vector.rows).toBe(7);
    expect(vector.count).toBe(7);
    expect(Buffer.from(vector.values as Uint8Array)).toEqual(expected.bytes);
    expect([...(vector.starts as Int32Array)]).toEqual(expected.starts);
    expect(vector.definitionLevels).toBeNull();
  });

  it('gives an optional field all-present definition levels', () => {
    const vector = constantBytesColumn(field(1, 'v', STRING), 4, 'stream:s');
    expect(vector.maxDefinitionLevel).toBe(1);
    expect([...(vector.definitionLevels as Uint8Array)]).toEqual([1, 1, 1, 1]);
    expect(Buffer.from(vector.values as Uint8Array)).toEqual(plain(Array(4).fill('stream:s')).bytes);
  });
});
