// The columnar Parquet encoder's parts, checked against hyparquet's reader: RLE/bit-packed hybrid, the thrift
// footer, the dictionary decision, statistics orderings, nested nulls, paging and row-group relocation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { describe, expect, it } from 'vitest';
import type { Contract, Field } from '../../src/contracts/model.ts';
import { isLakehouseError } from '../../src/errors.ts';
import { parquetCompressors } from '../../src/parquet/codecs.ts';
import { ByteBuffer } from '../../src/parquet/columnar/bytes.ts';
import { chooseDictionary, estimateDistinct } from '../../src/parquet/columnar/dictionary.ts';
import {
  ColumnarParquetWriter,
  columnarFromRecordBatch,
  concatBatches,
  CREATED_BY,
  encodeColumnarParquet,
  encodeRowGroup,
  MemorySink,
  type EncodedRowGroup,
} from '../../src/parquet/columnar/index.ts';
import { bitWidth, writeHybrid, writeLevels } from '../../src/parquet/columnar/rle.ts';
import { columnStatistics } from '../../src/parquet/columnar/statistics.ts';
import { parquetSchema } from '../../src/parquet/schema.ts';
import type { RecordBatch } from '../../src/records/batch.ts';
import type { ColumnarBatch, LeafVector } from '../../src/records/columns.ts';
import type { Normalised } from '../../src/records/values.ts';
import { tempDir } from '../helpers/tmp.ts';
import { field, STRING, INT, LONG } from '../helpers/fields.ts';

function contractOf(fields: readonly Field[]): Contract {
  return {
    name: 'test',
    version: 1,
    source: 'test',
    inputFields: fields,
    fields,
    primaryKey: [],
    partitioning: [],
    sortOrder: [],
    transforms: [],
    additionalProperties: false,
    document: {},
  };
}

function batchOf(fields: readonly Field[], columns: Record<string, Normalised[]>): RecordBatch {
  const length = Object.values(columns)[0]?.length ?? 0;
  return { contract: contractOf(fields), length, columns: new Map(Object.entries(columns)) };
}

function columnar(fields: readonly Field[], columns: Record<string, Normalised[]>): ColumnarBatch {
  return columnarFromRecordBatch(batchOf(fields, columns));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function readBack(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  return (await parquetReadObjects({ file: toArrayBuffer(bytes), compressors: parquetCompressors })) as Record<
    string,
    unknown
  >[];
}

function metadataOf(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(toArrayBuffer(bytes));
}

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RLE / bit-packed hybrid', () => {
  const next = random(7);
  const patterns: Record<string, (n: number, max: number) => number[]> = {
    constant: (n, max) => new Array<number>(n).fill(max),
    alternating: (n, max) => Array.from({ length: n }, (_, i) => (i % 2) * max),
    random: (n, max) => Array.from({ length: n }, () => Math.floor(next() * (max + 1))),
    'short runs': (n, max) => Array.from({ length: n }, (_, i) => Math.floor(i / 7) % (max + 1)),
    'runs of 8 and 9': (n, max) => Array.from({ length: n }, (_, i) => Math.floor(i / (i % 2 ? 8 : 9)) % (max + 1)),
    'mixed runs': (n, max) =>
      Array.from({ length: n }, (_, i) => (i % 100 < 40 ? max : Math.floor(next() * (max + 1)))),
  };

  it('computes bit widths, at least one bit', () => {
    expect([0, 1, 2, 3, 4, 255, 256, 65535].map(bitWidth)).toEqual([1, 1, 2, 2, 3, 8, 9, 16]);
  });

  for (const [name, pattern] of Object.entries(patterns)) {
    it(`round-trips ${name} values through hyparquet's decoder at every width`, () => {
      for (const width of [1, 2, 3, 5, 8, 9, 13, 16, 20, 24]) {
        const max = 2 ** width - 1;
        for (const n of [0, 1, 7, 8, 9, 63, 504, 505, 1000, 4099]) {
          const values = Int32Array.from(pattern(n, max));
          const out = new ByteBuffer(16);
          // Encode a window of a longer array, as pages do.
          const padded = new Int32Array(n + 10);
          padded.set(values, 5);
          writeHybrid(out, padded, 5, 5 + n, width);
          const decoded = new Int32Array(n);
          const bytes = out.toBytes();
          readRleBitPackedHybrid({ view: new DataView(bytes.buffer), offset: 0 }, width, decoded, bytes.length);
          expect(Array.from(decoded), `${name} width ${width} n ${n}`).toEqual(Array.from(values));
        }
      }
    });
  }

  it('frames definition levels with a byte length, from a Uint8Array', () => {
    const levels = Uint8Array.from({ length: 3001 }, (_, i) => (i % 13 === 0 ? 0 : i % 5 === 0 ? 1 : 2));
    const out = new ByteBuffer();
    out.u8(0xaa); // something before, as in a page body
    writeLevels(out, levels, 0, levels.length, 2);
    const bytes = out.toBytes();
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(1, true)).toBe(bytes.length - 5);
    const decoded = new Uint8Array(levels.length);
    readRleBitPackedHybrid({ view, offset: 1 }, 2, decoded);
    expect(decoded).toEqual(levels);
  });

  it('turns long runs into a few bytes', () => {
    const out = new ByteBuffer();
    writeHybrid(out, new Uint8Array(100_000).fill(1), 0, 100_000, 1);
    expect(out.length).toBeLessThanOrEqual(4);
  });
});

const EVENTS: Field[] = [
  field(1, 'id', STRING, false),
  field(2, 'kind', STRING, false),
  field(3, 'ts', { kind: 'timestamp' }, false),
  field(4, 'day', { kind: 'date' }),
  field(5, 'amount', { kind: 'decimal', precision: 12, scale: 2 }),
  field(6, 'small', { kind: 'decimal', precision: 5, scale: 1 }),
  field(7, 'n', INT),
  field(8, 'big', LONG),
  field(9, 'ratio', { kind: 'double' }),
  field(10, 'flag', { kind: 'boolean' }),
  field(11, 'props', { kind: 'struct', fields: [field(12, 'page', STRING), field(13, 'ab', INT)] }),
  field(14, 'tier', LONG),
];

function eventColumns(n: number, seed = 1): Record<string, Normalised[]> {
  const next = random(seed);
  const hex = () => Math.floor(next() * 2 ** 32).toString(16);
  const kinds = ['view', 'click', 'buy', 'signup'];
  return {
    id: Array.from({ length: n }, () => `${hex()}-${hex()}-${hex()}`),
    kind: Array.from({ length: n }, () => kinds[Math.floor(next() * kinds.length)] as string),
    ts: Array.from({ length: n }, () => 1_700_000_000_000_000n + BigInt(Math.floor(next() * 1e12))),
    day: Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : 19_000 + (i % 50))),
    amount: Array.from({ length: n }, () => (next() < 0.5 ? null : BigInt(Math.floor(next() * 1e6)) - 200_000n)),
    small: Array.from({ length: n }, () => (next() < 0.2 ? null : BigInt(Math.floor(next() * 2000)) - 1000n)),
    n: Array.from({ length: n }, () => Math.floor(next() * 2 ** 32) - 2 ** 31),
    big: Array.from({ length: n }, () => BigInt(Math.floor(next() * 2 ** 53)) * (next() < 0.5 ? -1n : 1n)),
    ratio: Array.from({ length: n }, () => (next() < 0.1 ? null : next() * 100 - 50)),
    flag: Array.from({ length: n }, () => (next() < 0.1 ? null : next() < 0.5)),
    tier: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : ([-5n, 0n, 7n, 2n ** 40n][i % 4] as bigint))),
    props: Array.from({ length: n }, () =>
      next() < 0.2 ? null : { page: next() < 0.3 ? null : `/p/${Math.floor(next() * 5)}`, ab: next() < 0.5 ? null : 3 },
    ),
  };
}

/** What hyparquet returns for a normalised value of this field (its default conversions). */
function asRead(f: Field, value: Normalised): unknown {
  if (value === null) return undefined;
  switch (f.type.kind) {
    case 'timestamp':
      return new Date(Number((value as bigint) / 1000n));
    case 'date':
      return new Date((value as number) * 86_400_000);
    case 'decimal':
      return Number(value) * 10 ** -f.type.scale; // as hyparquet converts
    case 'struct': {
      const struct = value as Record<string, Normalised>;
      return Object.fromEntries(f.type.fields.map((m) => [m.name, asRead(m, struct[m.name] ?? null)]));
    }
    default:
      return value;
  }
}

/** hyparquet reports a missing value as null or undefined depending on the level: compare them as one. */
function nullsAsUndefined(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nullsAsUndefined(v)]));
  return value;
}

function expectRows(rows: Record<string, unknown>[], fields: readonly Field[], columns: Record<string, Normalised[]>) {
  const n = Object.values(columns)[0]?.length ?? 0;
  expect(rows.length).toBe(n);
  for (let i = 0; i < n; i++) {
    const want = Object.fromEntries(fields.map((f) => [f.name, asRead(f, columns[f.name]?.[i] ?? null)]));
    expect(nullsAsUndefined(rows[i]), `row ${i}`).toEqual(want);
  }
}

describe('encodeColumnarParquet', () => {
  it('writes a file hyparquet reads back value for value', async () => {
    const columns = eventColumns(3000);
    const bytes = encodeColumnarParquet([columnar(EVENTS, columns)]);
    expectRows(await readBack(bytes), EVENTS, columns);
  });

  it('writes a footer hyparquet parses: schema, field ids, offsets, codecs, statistics, metadata', () => {
    const columns = eventColumns(1000);
    const bytes = encodeColumnarParquet([columnar(EVENTS, columns)], { metadata: { 'iceberg.schema': '{"a":1}' } });
    const meta = metadataOf(bytes);
    expect(meta.created_by).toBe(CREATED_BY);
    expect(meta.num_rows).toBe(1000n);
    expect(meta.key_value_metadata).toEqual([{ key: 'iceberg.schema', value: '{"a":1}' }]);
    const want = parquetSchema(EVENTS);
    expect(meta.schema.length).toBe(want.length);
    want.forEach((element, i) => expect(meta.schema[i]).toMatchObject(element));
    const group = meta.row_groups[0];
    expect(group?.num_rows).toBe(1000n);
    expect(group?.columns.map((c) => c.meta_data?.path_in_schema.join('.'))).toEqual([
      'id',
      'kind',
      'ts',
      'day',
      'amount',
      'small',
      'n',
      'big',
      'ratio',
      'flag',
      'props.page',
      'props.ab',
      'tier',
    ]);
    let end = 4;
    for (const chunk of group?.columns ?? []) {
      const m = chunk.meta_data;
      expect(m?.codec).toBe('ZSTD');
      expect(m?.num_values).toBe(1000n);
      const start = Number(m?.dictionary_page_offset ?? m?.data_page_offset);
      expect(start).toBe(end); // chunks are contiguous from the magic on
      end = start + Number(m?.total_compressed_size);
      expect(m?.statistics?.null_count).toBeTypeOf('bigint');
    }
    expect(Number(group?.total_compressed_size)).toBe(end - 4);
    const stats = (name: string) => group?.columns.find((c) => c.meta_data?.path_in_schema.join('.') === name);
    expect(stats('n')?.meta_data?.statistics?.min_value).toBe(Math.min(...(columns.n as number[])));
    expect(stats('ts')?.meta_data?.statistics?.max_value).toEqual(
      new Date(Number((columns.ts as bigint[]).reduce((a, b) => (a > b ? a : b)) / 1000n)),
    );
    expect(stats('kind')?.meta_data?.encodings).toContain('RLE_DICTIONARY');
    expect(stats('kind')?.meta_data?.encoding_stats).toEqual([
      { page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 },
      { page_type: 'DATA_PAGE', encoding: 'RLE_DICTIONARY', count: 1 },
    ]);
    expect(stats('tier')?.meta_data?.encodings).toContain('RLE_DICTIONARY');
    expect(stats('props.ab')?.meta_data?.encodings).toContain('RLE_DICTIONARY');
    expect(stats('id')?.meta_data?.encodings).not.toContain('RLE_DICTIONARY');
    expect(stats('id')?.meta_data?.dictionary_page_offset).toBeUndefined();
  });

  it('writes uncompressed pages and no dictionaries when asked', async () => {
    const columns = eventColumns(500);
    const bytes = encodeColumnarParquet([columnar(EVENTS, columns)], {
      compression: 'uncompressed',
      dictionary: false,
    });
    const meta = metadataOf(bytes);
    for (const chunk of meta.row_groups[0]?.columns ?? []) {
      expect(chunk.meta_data?.codec).toBe('UNCOMPRESSED');
      expect(chunk.meta_data?.encodings).toEqual(['PLAIN', 'RLE']);
    }
    expectRows(await readBack(bytes), EVENTS, columns);
  });

  it('splits columns into pages of about pageSize bytes', async () => {
    const columns = eventColumns(20_000, 3);
    const batch = columnar(EVENTS, columns);
    const encoded = encodeRowGroup(batch, { pageSize: 4096 });
    for (const column of encoded.columns) {
      const pages = column.encoding_stats?.find((s) => s.page_type === 0)?.count ?? 0;
      expect(pages, column.path_in_schema.join('.')).toBeGreaterThan(1);
    }
    const bytes = encodeColumnarParquet([batch], { pageSize: 4096 });
    expectRows(await readBack(bytes), EVENTS, columns);
  });

  it('appends row groups encoded elsewhere (structured-cloned) with offsets relocated', async () => {
    const parts = [eventColumns(700, 11), eventColumns(1, 12), eventColumns(1300, 13)];
    // As worker threads would post them: a structured clone keeps only plain data.
    const encoded = parts.map((c): EncodedRowGroup => structuredClone(encodeRowGroup(columnar(EVENTS, c))));
    const sink = new MemorySink();
    const writer = new ColumnarParquetWriter(sink, EVENTS, {});
    for (const group of encoded) writer.appendRowGroup(group);
    writer.appendRowGroup(encodeRowGroup(columnar(EVENTS, eventColumns(0)))); // empty: skipped
    const result = writer.close();
    const bytes = sink.toBytes();
    expect(result).toEqual({ path: 'memory:', records: 2001, bytes: bytes.length });
    const meta = metadataOf(bytes);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([700, 1, 1300]);
    let offset = 4;
    meta.row_groups.forEach((group, i) => {
      expect(Number(group.file_offset)).toBe(offset);
      expect(group.ordinal).toBe(i);
      offset += Number(group.total_compressed_size);
    });
    const all: Record<string, Normalised[]> = {};
    for (const f of EVENTS) all[f.name] = parts.flatMap((p) => p[f.name] ?? []);
    expectRows(await readBack(bytes), EVENTS, all);
  });

  it('rejects row groups of another schema', () => {
    const writer = new ColumnarParquetWriter(new MemorySink(), EVENTS.slice(0, 3));
    const group = encodeRowGroup(columnar(EVENTS, eventColumns(10)));
    expect(() => writer.appendRowGroup(group)).toThrow(/columns/);
  });

  it('writes a local file and reports its size', async () => {
    const path = join(tempDir(), 'out.parquet');
    const columns = eventColumns(100);
    const writer = new ColumnarParquetWriter(path, EVENTS, { zstdLevel: 1 });
    writer.write(columnar(EVENTS, columns));
    const result = writer.close();
    const bytes = new Uint8Array(readFileSync(path));
    expect(result).toEqual({ path, records: 100, bytes: bytes.length });
    expectRows(await readBack(bytes), EVENTS, columns);
  });

  it('writes a valid file with no row groups', () => {
    const meta = metadataOf(encodeColumnarParquet([], { fields: EVENTS }));
    expect(meta.num_rows).toBe(0n);
    expect(meta.row_groups).toEqual([]);
  });
});

describe('concatBatches', () => {
  const sliced = (columns: Record<string, Normalised[]>, from: number, to: number) =>
    Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.slice(from, to)]));
  const dense = (leaf: LeafVector) => ({
    path: leaf.path,
    rows: leaf.rows,
    count: leaf.count,
    levels: leaf.definitionLevels ? [...leaf.definitionLevels.subarray(0, leaf.rows)] : null,
    values:
      leaf.kind === 'bytes'
        ? [...(leaf.values as Uint8Array).subarray(0, (leaf.starts as Int32Array)[leaf.count])]
        : [...leaf.values.subarray(0, leaf.count)],
    starts: leaf.starts ? [...leaf.starts.subarray(0, leaf.count + 1)] : null,
  });

  it('joins batches into the batch of all their rows, leaf for leaf, and it encodes to the same rows', async () => {
    const columns = eventColumns(1000, 5);
    const cuts = [0, 1, 333, 334, 700, 1000]; // an empty part and a one-row part included
    const parts = cuts.slice(1).map((to, k) => columnar(EVENTS, sliced(columns, cuts[k] as number, to)));
    const joined = concatBatches(parts);
    const whole = columnar(EVENTS, columns);
    expect(joined.rows).toBe(1000);
    expect(joined.leaves.map(dense)).toEqual(whole.leaves.map(dense));
    expectRows(await readBack(encodeColumnarParquet([joined])), EVENTS, columns);
  });

  it('returns a single batch as it is, and refuses batches of different leaves', () => {
    const one = columnar(EVENTS, eventColumns(10));
    expect(concatBatches([one])).toBe(one);
    const other = columnar([field(1, 'id', STRING, false)], { id: ['a'] });
    expect(() => concatBatches([one, other])).toThrow(/different leaves/);
  });
});

describe('dictionary decision', () => {
  const leafOf = (fields: Field[], columns: Record<string, Normalised[]>, i = 0) =>
    columnar(fields, columns).leaves[i] as LeafVector;
  const next = random(5);
  const uuid = () => Array.from({ length: 4 }, () => Math.floor(next() * 2 ** 32).toString(16)).join('-');

  it('writes all-distinct values PLAIN without building a dictionary', () => {
    const leaf = leafOf([field(1, 's', STRING, false)], { s: Array.from({ length: 50_000 }, uuid) });
    expect(chooseDictionary(leaf)).toBeNull();
    const longs = leafOf([field(1, 'l', LONG, false)], {
      l: Array.from({ length: 50_000 }, (_, i) => BigInt(i) * 7_919n),
    });
    expect(chooseDictionary(longs)).toBeNull();
  });

  it('dictionary-encodes low-cardinality strings and integers, indices in first-seen order', () => {
    const words = ['alpha', 'beta', 'gamma', 'δέλτα', ''];
    const values = Array.from({ length: 50_000 }, () => words[Math.floor(next() * words.length)] as string);
    const dictionary = chooseDictionary(leafOf([field(1, 's', STRING, false)], { s: values }));
    expect(dictionary?.size).toBe(5);
    const order = [...new Set(values)];
    expect(Array.from(dictionary?.indices.subarray(0, 1000) ?? [])).toEqual(
      values.slice(0, 1000).map((v) => order.indexOf(v)),
    );
    const ints = chooseDictionary(
      leafOf([field(1, 'i', INT)], { i: Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? null : i % 10)) }),
    );
    expect(ints?.size).toBe(10);
    const longs = chooseDictionary(
      leafOf([field(1, 'l', LONG, false)], { l: Array.from({ length: 50_000 }, (_, i) => BigInt(i % 7) - 3n) }),
    );
    expect(longs?.size).toBe(7);
  });

  it('hashes values ending the buffer (read byte by byte there) like the same values elsewhere', () => {
    const words = Array.from({ length: 13 }, (_, n) => 'abcdefghijklm'.slice(0, n));
    const values = Array.from({ length: 10 }, () => words).flat();
    const leaf = leafOf([field(1, 's', STRING, false)], { s: values });
    expect((leaf.starts as Int32Array)[leaf.count]).toBe(leaf.values.byteLength); // nothing after the last value
    const dictionary = chooseDictionary(leaf);
    expect(dictionary?.size).toBe(13);
    expect(Array.from(dictionary?.indices.subarray(117) ?? [])).toEqual(Array.from({ length: 13 }, (_, i) => i));
  });

  it('decides small columns exactly', () => {
    expect(chooseDictionary(leafOf([field(1, 's', STRING)], { s: ['a', 'b', 'a', 'a', null, 'b'] }))?.size).toBe(2);
    expect(chooseDictionary(leafOf([field(1, 's', STRING)], { s: ['a', 'b', 'c'] }))).toBeNull();
    expect(chooseDictionary(leafOf([field(1, 's', STRING)], { s: [null, null] }))).toBeNull();
  });

  it('gives up when the dictionary page would be too large', () => {
    const values = Array.from({ length: 40_000 }, (_, i) => `value-${i % 5000}-${'x'.repeat(200)}`);
    const leaf = leafOf([field(1, 's', STRING, false)], { s: values });
    expect(chooseDictionary(leaf, 1 << 20)).toBeNull();
    expect(chooseDictionary(leaf, 4 << 20)?.size).toBe(5000);
  });

  it('estimates distinct counts from a sample', () => {
    expect(estimateDistinct(2048, 2048, 500_000)).toBe(500_000);
    expect(estimateDistinct(2048, 10, 500_000)).toBe(10);
    const estimate = estimateDistinct(2048, 1900, 500_000);
    expect(estimate).toBeGreaterThan(10_000);
    expect(estimate).toBeLessThan(17_000);
  });
});

describe('statistics', () => {
  const bounds = (fields: Field[], columns: Record<string, Normalised[]>, dictionary: boolean) => {
    const leaf = columnar(fields, columns).leaves[0] as LeafVector;
    return columnStatistics(leaf, dictionary ? chooseDictionary(leaf) : null);
  };
  const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
  const i64 = (bytes: Uint8Array | undefined) => new DataView((bytes as Uint8Array).buffer).getBigInt64(0, true);
  const i32 = (bytes: Uint8Array | undefined) => new DataView((bytes as Uint8Array).buffer).getInt32(0, true);
  const f64 = (bytes: Uint8Array | undefined) => new DataView((bytes as Uint8Array).buffer).getFloat64(0, true);

  it('orders strings as unsigned bytes, plain and dictionary-encoded', () => {
    const values = ['m', 'é', 'z', 'ab', 'abc', null, 'a', 'Z', '~'];
    for (const dictionary of [false, true]) {
      const repeated = Array.from({ length: 900 }, (_, i) => values[i % values.length] as string | null);
      const s = bounds([field(1, 's', STRING)], { s: repeated }, dictionary);
      expect(text(s.min_value)).toBe('Z');
      expect(text(s.max_value)).toBe('é'); // 0xc3 0xa9 sorts after every ASCII byte
      expect(s.null_count).toBe(100);
      // Unsigned order is not what pre-min_value readers assume for byte arrays: no deprecated bounds.
      expect(s.min).toBeUndefined();
      expect(s.max).toBeUndefined();
    }
    const prefixes = bounds([field(1, 's', STRING)], { s: ['abc', 'ab', '', 'abd'] }, false);
    expect([text(prefixes.min_value), text(prefixes.max_value)]).toEqual(['', 'abd']);
  });

  it('orders int32 and int64 as signed, across the 32-bit word boundary', () => {
    const ints = bounds([field(1, 'i', INT)], { i: [5, -3, 2147483647, -2147483648, 0, null] }, false);
    expect([i32(ints.min_value), i32(ints.max_value)]).toEqual([-2147483648, 2147483647]);
    expect([i32(ints.min), i32(ints.max)]).toEqual([-2147483648, 2147483647]);
    const cases: bigint[][] = [
      [1n, -1n, 0n],
      [0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n],
      [-2n, -1n, -0x80000000n, -0x80000001n, -0x100000000n],
      [-(2n ** 63n), 2n ** 63n - 1n, 0n],
      [-4294967296n, 4294967295n],
    ];
    for (const values of cases) {
      const min = values.reduce((a, b) => (a < b ? a : b));
      const max = values.reduce((a, b) => (a > b ? a : b));
      for (const dictionary of [false, true]) {
        const repeated = Array.from({ length: 200 }, (_, i) => values[i % values.length] as bigint);
        const s = bounds([field(1, 'l', LONG, false)], { l: repeated }, dictionary);
        expect([i64(s.min_value), i64(s.max_value)], values.join(',')).toEqual([min, max]);
        expect([i64(s.min), i64(s.max)]).toEqual([min, max]);
      }
    }
  });

  it('ignores NaN for doubles and writes zeros as -0 / +0', () => {
    const d = bounds([field(1, 'd', { kind: 'double' })], { d: [NaN, 2.5, -7.25, null, NaN] }, false);
    expect([f64(d.min_value), f64(d.max_value)]).toEqual([-7.25, 2.5]);
    const zeros = bounds([field(1, 'd', { kind: 'double' })], { d: [0, -0, 0] }, false);
    expect(Object.is(f64(zeros.min_value), -0)).toBe(true);
    expect(Object.is(f64(zeros.max_value), 0)).toBe(true);
    const nan = bounds([field(1, 'd', { kind: 'double' })], { d: [NaN] }, false);
    expect(nan).toEqual({ null_count: 0 });
  });

  it('writes booleans and all-null columns', () => {
    const b = bounds([field(1, 'b', { kind: 'boolean' })], { b: [true, null, true] }, false);
    expect([b.min_value, b.max_value]).toEqual([Uint8Array.of(1), Uint8Array.of(1)]);
    expect(bounds([field(1, 's', STRING)], { s: [null, null, null] }, false)).toEqual({ null_count: 3 });
  });
});

describe('nested nulls', () => {
  const NESTED: Field[] = [
    field(1, 'id', INT, false),
    field(2, 'outer', {
      kind: 'struct',
      fields: [
        field(3, 'name', STRING),
        field(4, 'must', STRING, false),
        field(5, 'inner', { kind: 'struct', fields: [field(6, 'x', LONG), field(7, 'y', { kind: 'boolean' })] }),
      ],
    }),
  ];
  const outer: Normalised[] = [
    null,
    { name: null, must: 'a', inner: null },
    { name: 'n', must: 'b', inner: { x: null, y: null } },
    { name: 'n2', must: 'c', inner: { x: 5n, y: false } },
    { name: null, must: 'd', inner: { x: -9n, y: null } },
    { name: 'é', must: 'e', inner: { x: null, y: true } },
  ];
  const columns = { id: [0, 1, 2, 3, 4, 5], outer };

  it('gives each leaf the definition level of the deepest present ancestor', () => {
    const batch = columnar(NESTED, columns);
    const byPath = Object.fromEntries(batch.leaves.map((l) => [l.path.join('.'), l]));
    expect(batch.leaves.map((l) => [l.path.join('.'), l.maxDefinitionLevel])).toEqual([
      ['id', 0],
      ['outer.name', 2],
      ['outer.must', 1],
      ['outer.inner.x', 3],
      ['outer.inner.y', 3],
    ]);
    expect(Array.from(byPath['outer.name']?.definitionLevels ?? [])).toEqual([0, 1, 2, 2, 1, 2]);
    expect(Array.from(byPath['outer.must']?.definitionLevels ?? [])).toEqual([0, 1, 1, 1, 1, 1]);
    expect(Array.from(byPath['outer.inner.x']?.definitionLevels ?? [])).toEqual([0, 1, 2, 3, 3, 2]);
    expect(byPath['outer.inner.x']?.count).toBe(2);
    expect(byPath['id']?.definitionLevels).toBeNull();
  });

  it('reads back nulls at every level', async () => {
    const rows = await readBack(encodeColumnarParquet([columnar(NESTED, columns)]));
    expect(rows.map((r) => nullsAsUndefined(r.outer))).toEqual([
      undefined,
      { name: undefined, must: 'a', inner: undefined },
      { name: 'n', must: 'b', inner: { x: undefined, y: undefined } },
      { name: 'n2', must: 'c', inner: { x: 5n, y: false } },
      { name: undefined, must: 'd', inner: { x: -9n, y: undefined } },
      { name: 'é', must: 'e', inner: { x: undefined, y: true } },
    ]);
  });

  it('counts nulls at any level in null_count', () => {
    const encoded = encodeRowGroup(columnar(NESTED, columns));
    expect(encoded.columns.map((c) => c.statistics?.null_count)).toEqual([0, 3, 1, 4, 4]);
  });
});

describe('errors', () => {
  it('rejects lists and wide decimals as unsupported', () => {
    const list = field(1, 'tags', { kind: 'list', element: field(2, 'element', STRING) });
    const wide = field(3, 'total', { kind: 'decimal', precision: 38, scale: 2 });
    for (const f of [list, wide]) {
      let error: unknown;
      try {
        columnar([f], { [f.name]: [null] });
      } catch (e) {
        error = e;
      }
      expect(isLakehouseError(error, 'UNSUPPORTED_FORMAT'), String(error)).toBe(true);
      expect(() => encodeColumnarParquet([], { fields: [f] })).toThrow(/not supported by the columnar/);
    }
  });

  it('rejects vectors whose levels disagree with their count', () => {
    const batch = columnar([field(1, 's', STRING)], { s: ['a', null, 'b'] });
    const leaf = batch.leaves[0] as LeafVector;
    const broken: ColumnarBatch = { ...batch, leaves: [{ ...leaf, count: 3 }] };
    expect(() => encodeRowGroup(broken)).toThrow(/count says 3/);
  });

  it('rejects a null in a required field', () => {
    expect(() => columnar([field(1, 's', STRING, false)], { s: ['a', null] })).toThrow(/required s is null/);
  });
});
