// The columnar Iceberg write path against the row path, property style. Random batches of two field sets — an
// events-like one, and one with nulls everywhere, an optional struct with a required member, decimals (int32 and
// int64 backed), dates, booleans, doubles with NaN, -0 and infinities, longs at the int64 extremes, timestamps
// before 1970 and past 2^53 µs, and Unicode strings longer than the 16-character bound truncation — are written
// under every partition transform and several sort orders through both paths, into twin tables, with several
// file and row-group sizes. Checked per data file, in order: the same partition, record count, value/null/NaN
// counts, bounds and sort order id; the columnar file's split offsets and column sizes as its own footer has
// them; the same rows in the same order. Then pyiceberg scans and DuckDB's iceberg_scan read the twins back the
// same, and equal to the input. Batches the columnar path cannot write throw a LakehouseError to fall back on.
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlCatalog } from '../../../src/catalog/sql.ts';
import type { Contract, Field, PartitionTransform } from '../../../src/contracts/model.ts';
import { isLakehouseError, LakehouseError } from '../../../src/errors.ts';
import { partitionRows } from '../../../src/iceberg/columnar/partition.ts';
import { writeColumnarDataFiles } from '../../../src/iceberg/columnar/writer.ts';
import { tableFields, withLineage } from '../../../src/iceberg/lineage.ts';
import { footerMetrics } from '../../../src/iceberg/metrics.ts';
import { readDataFile } from '../../../src/iceberg/reader.ts';
import { applyTransform, bindSpec } from '../../../src/iceberg/partition.ts';
import { currentSchema, fieldsOfSchema, schemaFromFields } from '../../../src/iceberg/schema.ts';
import { Table } from '../../../src/iceberg/table.ts';
import type { DataFile } from '../../../src/iceberg/types.ts';
import { columnarFromRecordBatch } from '../../../src/parquet/columnar/index.ts';
import { isOptional } from '../../../src/parquet/schema.ts';
import type { RecordBatch } from '../../../src/records/batch.ts';
import type { ColumnarBatch } from '../../../src/records/columns.ts';
import type { Normalised, NormalisedStruct } from '../../../src/records/values.ts';
import { Random } from '../../../src/sample/random.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { check, normalizeRows, plainValue, type CheckReport, type PlainRow } from './helpers.ts';
import { field as F, STRING, INT, LONG, DOUBLE, BOOLEAN } from '../../helpers/fields.ts';

const dir = tempDir('lakehouse-columnar-');
const warehouse = join(dir, 'warehouse');
const INGESTED_AT = 1_700_000_000_000_000n;

const DATE = { kind: 'date' } as const;
const TIMESTAMP = { kind: 'timestamp' } as const;
const decimal = (precision: number, scale: number) => ({ kind: 'decimal', precision, scale }) as const;

const EVENTS: Field[] = [
  F(1, 'id', STRING, false),
  F(2, 'ts', TIMESTAMP, false),
  F(3, 'user', STRING),
  F(4, 'amount', decimal(12, 2)),
  F(5, 'n', INT),
  F(6, 'props', { kind: 'struct', fields: [F(7, 'page', STRING), F(8, 'ab', INT), F(9, 'seen', BOOLEAN, false)] }),
];

const MIXED: Field[] = [
  F(1, 'id', STRING, false),
  F(2, 'category', STRING),
  F(3, 'ts', TIMESTAMP),
  F(4, 'day', DATE),
  F(5, 'k', INT),
  F(6, 'big', LONG),
  F(7, 'price', decimal(18, 4)),
  F(8, 'ratio', DOUBLE),
  F(9, 'ok', BOOLEAN),
  F(10, 'note', STRING),
  F(11, 'weight', DOUBLE),
  F(12, 'props', {
    kind: 'struct',
    fields: [
      F(13, 'label', STRING),
      F(14, 'score', DOUBLE),
      F(15, 'flag', BOOLEAN, false),
      F(16, 'tiny', decimal(5, 2)),
      F(17, 'when', TIMESTAMP),
    ],
  }),
];

interface Case {
  readonly name: string;
  readonly fields: readonly Field[];
  readonly partitioning: readonly (readonly [string, PartitionTransform])[];
  readonly sortOrder: readonly (readonly [string, 'asc' | 'desc'])[];
}

// Every transform partition.ts has (identity on strings, ints, longs and booleans — manifest.ts has no decimal
// partition values; year, month, day, hour on timestamps and dates), and sort keys of every kind but doubles with
// NaN (whose order the row path leaves to chance).
const CASES: readonly Case[] = [
  { name: 'events_day', fields: EVENTS, partitioning: [['ts', 'day']], sortOrder: [['ts', 'asc']] },
  {
    name: 'mixed_category',
    fields: MIXED,
    partitioning: [['category', 'identity']],
    sortOrder: [
      ['big', 'desc'],
      ['note', 'asc'],
      ['ok', 'asc'],
    ],
  },
  {
    name: 'mixed_hour_month',
    fields: MIXED,
    partitioning: [
      ['ts', 'hour'],
      ['day', 'month'],
    ],
    sortOrder: [
      ['day', 'asc'],
      ['price', 'desc'],
    ],
  },
  {
    name: 'mixed_year_ok',
    fields: MIXED,
    partitioning: [
      ['ts', 'year'],
      ['ok', 'identity'],
    ],
    sortOrder: [
      ['weight', 'asc'],
      ['k', 'desc'],
    ],
  },
  {
    name: 'mixed_numbers',
    fields: MIXED,
    partitioning: [
      ['k', 'identity'],
      ['big', 'identity'],
    ],
    sortOrder: [['weight', 'desc']],
  },
  { name: 'mixed_day_date', fields: MIXED, partitioning: [['day', 'year']], sortOrder: [['ts', 'desc']] },
  { name: 'mixed_plain', fields: MIXED, partitioning: [], sortOrder: [] },
];

const SEEDS = [1, 2, 3];

function contractOf(c: Case): Contract {
  return {
    name: c.name,
    version: 1,
    source: 'test',
    inputFields: c.fields,
    fields: c.fields,
    primaryKey: [],
    partitioning: c.partitioning.map(([source, transform], i) => ({
      source,
      transform,
      name: `${source}_${transform}`,
      fieldId: 1000 + i,
    })),
    sortOrder: c.sortOrder.map(([source, direction]) => ({ source, direction })),
    transforms: [],
    additionalProperties: false,
    document: {},
  };
}

// ---- random values, in the normalised form a RecordBatch holds ----

const DAY_MICROS = 86_400_000_000n;
const BASE_MICROS = BigInt(Date.UTC(2026, 10, 1)) * 1000n;
const FAR_MICROS = [BigInt(Date.UTC(2300, 0, 1, 5)) * 1000n, BigInt(Date.UTC(2301, 6, 4, 12)) * 1000n + 17n];
const CATEGORIES = ['a', 'b', 'ünï', '🚀 launch', '', 'a/b c', 'x'.repeat(40)];
const K_VALUES = [-2147483648, 2147483647, 0, 7];
const BIG_VALUES = [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -3n, 0n];
const PRICE_VALUES = [999999999999999999n, -999999999999999999n, 0n, 123456789n, -1n];
const WEIGHTS = [-0, 0, Infinity, -Infinity, 1.5, -2.25, 1e308, Number.MIN_VALUE];
const CHARS = ['a', 'Z', '0', ' ', 'é', 'ß', '中', '🙂', '\u{10FFFF}', '\u{D7FF}', '\u{FFFF}', '~'];

function randomString(rnd: Random): string {
  switch (rnd.int(0, 5)) {
    case 0:
      return '';
    case 1: // longer than the 16-character bound, of characters whose successor cannot be taken
      return '\u{10FFFF}'.repeat(rnd.int(15, 20));
    case 2: {
      const chars = CHARS.slice(0, 4);
      return Array.from({ length: rnd.int(1, 12) }, () => rnd.pick(chars)).join('');
    }
    default:
      return Array.from({ length: rnd.int(0, 30) }, () => rnd.pick(CHARS)).join('');
  }
}

function randomMicros(rnd: Random): bigint {
  const roll = rnd.next();
  if (roll < 0.8) return BASE_MICROS + BigInt(Math.floor(rnd.next() * 36 * 3_600_000_000));
  if (roll < 0.88) return -BigInt(Math.floor(rnd.next() * 3 * 3_600_000_000)) - 1n; // the hours before 1970
  if (roll < 0.94) return BASE_MICROS + BigInt(rnd.int(-1, 1)) * DAY_MICROS - BigInt(rnd.int(0, 1)); // midnights
  return rnd.pick(FAR_MICROS); // past 2^53 µs
}

function randomDouble(rnd: Random): number {
  const roll = rnd.next();
  if (roll < 0.1) return NaN;
  if (roll < 0.3) return rnd.pick(WEIGHTS);
  return (rnd.next() - 0.5) * 10 ** rnd.int(-5, 8);
}

function randomValue(field: Field, rnd: Random, row: number, seed: number): Normalised {
  if (field.name === 'id') return `r${seed}-${String(row).padStart(5, '0')}`;
  if (isOptional(field) && rnd.chance(field.name === 'category' ? 0.2 : 0.1)) return null;
  const type = field.type;
  switch (type.kind) {
    case 'string':
      return field.name === 'category' ? rnd.pick(CATEGORIES) : randomString(rnd);
    case 'int':
      return field.name === 'k' ? rnd.pick(K_VALUES) : rnd.int(-1000, 1000);
    case 'long':
      return rnd.pick(BIG_VALUES);
    case 'double':
      return field.name === 'weight' ? rnd.pick(WEIGHTS) : randomDouble(rnd);
    case 'boolean':
      return rnd.chance(0.5);
    case 'date': {
      const roll = rnd.next();
      if (roll < 0.7) return 20_000 + rnd.int(0, 90);
      if (roll < 0.9) return -rnd.int(1, 400);
      return rnd.pick([0, -1, 2_932_896]); // 1970-01-01, 1969-12-31, 9999-12-31
    }
    case 'timestamp':
      return randomMicros(rnd);
    case 'decimal': {
      if (field.name === 'price') return rnd.pick(PRICE_VALUES);
      const limit = 10 ** Math.min(type.precision, 15) - 1;
      return BigInt(Math.floor((rnd.next() * 2 - 1) * limit));
    }
    case 'struct': {
      const out: NormalisedStruct = {};
      for (const member of type.fields) out[member.name] = randomValue(member, rnd, row, seed);
      return out;
    }
    case 'list':
      throw new Error('no lists here');
  }
}

function randomBatch(contract: Contract, seed: number, rows: number): RecordBatch {
  const rnd = new Random(seed * 7919 + contract.fields.length);
  const columns = new Map<string, Normalised[]>(contract.fields.map((f) => [f.name, []]));
  for (let r = 0; r < rows; r++)
    for (const field of contract.fields) columns.get(field.name)?.push(randomValue(field, rnd, r, seed));
  return withLineage({ contract, length: rows, columns }, `test:${contract.name}`, INGESTED_AT);
}

function columnarOf(batch: RecordBatch): ColumnarBatch {
  return columnarFromRecordBatch(batch, tableFields(batch.contract.fields));
}

// ---- what is compared ----

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const record = <V>(map: ReadonlyMap<number, V>, show: (v: V) => string): Record<number, string> =>
  Object.fromEntries([...map].map(([id, v]) => [id, show(v)]));

/** Everything a DataFile says about its rows (not where it is or how its bytes are laid out). */
function metricsOf(file: DataFile): Record<string, unknown> {
  return {
    content: file.content,
    fileFormat: file.fileFormat,
    // bigint and number partition values apart: `5n` is not `5`.
    partition: Object.fromEntries(
      Object.entries(file.partition).map(([k, v]) => [k, typeof v === 'bigint' ? `${v}n` : v]),
    ),
    recordCount: file.recordCount,
    valueCounts: record(file.valueCounts, String),
    nullValueCounts: record(file.nullValueCounts, String),
    nanValueCounts: record(file.nanValueCounts, String),
    lowerBounds: record(file.lowerBounds, hex),
    upperBounds: record(file.upperBounds, hex),
    columnIds: [...file.columnSizes.keys()].sort((a, b) => a - b),
    sortOrderId: file.sortOrderId,
  };
}

/** A row as check_tables.py prints it (NaN and infinities named). */
function expectedPlain(field: Field, value: Normalised): unknown {
  if (value === null) return null;
  const type = field.type;
  if (type.kind === 'double') {
    const x = value as number;
    return Number.isFinite(x) ? x : String(x);
  }
  if (type.kind === 'struct')
    return Object.fromEntries(
      type.fields.map((f) => [f.name, expectedPlain(f, (value as NormalisedStruct)[f.name] ?? null)]),
    );
  return plainValue(field, value);
}

function expectedRows(batches: readonly RecordBatch[]): PlainRow[] {
  const rows: PlainRow[] = [];
  for (const batch of batches) {
    const fields = tableFields(batch.contract.fields);
    for (let i = 0; i < batch.length; i++)
      rows.push(
        Object.fromEntries(fields.map((f) => [f.name, expectedPlain(f, batch.columns.get(f.name)?.[i] ?? null)])),
      );
  }
  return rows;
}

const byId = (r: PlainRow): string => r.id as string;

interface Twin {
  readonly label: string;
  readonly contract: Contract;
  readonly rowTable: Table;
  readonly columnarTable: Table;
  readonly rowFiles: DataFile[];
  readonly columnarFiles: DataFile[];
  readonly rowGroupSize: number;
  readonly expected: PlainRow[];
}

function writeOptions(seed: number, rnd: Random): { maxRowsPerFile?: number; rowGroupSize?: number } {
  if (seed === 1) return {};
  if (seed === 2) return { maxRowsPerFile: rnd.int(40, 300), rowGroupSize: rnd.int(8, 90) };
  return { maxRowsPerFile: rnd.int(100, 700) };
}

describe('columnar Iceberg writes equal row-path writes', () => {
  const twins: Twin[] = [];
  let report: CheckReport;
  const overwrite: { rowTable?: Table; columnarTable?: Table; expected: PlainRow[] } = { expected: [] };

  beforeAll(async () => {
    const catalog = new SqlCatalog({ warehouse });
    for (const c of CASES) {
      const contract = contractOf(c);
      for (const seed of SEEDS) {
        const rnd = new Random(seed);
        const rows = seed === 1 ? rnd.int(1, 400) : rnd.int(200, 900);
        const batch = randomBatch(contract, seed, rows);
        const options = writeOptions(seed, rnd);
        const label = `${c.name}_${seed}`;
        const rowTable = await Table.create(catalog, { namespace: 'cmp', name: `${label}_row` }, contract);
        const columnarTable = await Table.create(catalog, { namespace: 'cmp', name: `${label}_col` }, contract);
        const rowFiles = await rowTable.writeFiles(batch, options);
        const columnarFiles = await columnarTable.writeFiles(columnarOf(batch), options);
        await rowTable.commitFiles('append', rowFiles);
        await columnarTable.commitFiles('append', columnarFiles);
        twins.push({
          label,
          contract,
          rowTable,
          columnarTable,
          rowFiles,
          columnarFiles,
          rowGroupSize: options.rowGroupSize ?? 131_072,
          expected: expectedRows([batch]),
        });
      }
    }
    // Table.append and overwritePartitions with either batch shape: two appends, then one day replaced.
    const events = contractOf(CASES[0] as Case);
    const [first, second, third] = [11, 12, 13].map((seed) => randomBatch(events, seed, 500)) as [
      RecordBatch,
      RecordBatch,
      RecordBatch,
    ];
    const day = (micros: bigint) => Number((micros - (((micros % DAY_MICROS) + DAY_MICROS) % DAY_MICROS)) / DAY_MICROS);
    const replaced = new Set((third.columns.get('ts') as bigint[]).map(day));
    const rowTable = await Table.create(catalog, { namespace: 'cmp', name: 'table_ops_row' }, events);
    const columnarTable = await Table.create(catalog, { namespace: 'cmp', name: 'table_ops_col' }, events);
    for (const batch of [first, second]) {
      await rowTable.append(batch);
      const result = await columnarTable.append(columnarOf(batch));
      expect(result.records).toBe(BigInt(batch.length));
    }
    await rowTable.overwritePartitions(third);
    await columnarTable.overwritePartitions(columnarOf(third));
    const kept = expectedRows([first, second]).filter((r) => !replaced.has(day(BigInt(r.ts as string))));
    Object.assign(overwrite, { rowTable, columnarTable, expected: [...kept, ...expectedRows([third])] });
    await catalog.close();

    const tables = [...twins.flatMap((t) => [t.rowTable, t.columnarTable]), rowTable, columnarTable];
    const duckdbTwins = twins.filter((t) => t.label.endsWith('_2'));
    report = check({
      database: join(warehouse, 'catalog.db'),
      warehouse: `file://${warehouse}`,
      scans: tables.map((t) => ({ table: t.name })),
      duckdb: duckdbTwins.flatMap((t) =>
        [t.rowTable, t.columnarTable].map((table) => ({
          sql: "SELECT * FROM iceberg_scan('{metadata}') ORDER BY id",
          metadata: table.metadataLocation,
        })),
      ),
    });
  });

  it('writes the same data files, in the same order, with the same partitions, counts and bounds', () => {
    expect(twins).toHaveLength(CASES.length * SEEDS.length);
    for (const twin of twins) {
      expect(twin.columnarFiles.length, twin.label).toBeGreaterThan(0);
      expect(twin.columnarFiles.map(metricsOf), twin.label).toEqual(twin.rowFiles.map(metricsOf));
    }
    // The cases reach what they are meant to: several partitions, several files and row groups per partition.
    const files = (name: string) => twins.filter((t) => t.label.startsWith(name)).flatMap((t) => t.columnarFiles);
    expect(new Set(files('events_day').map((f) => f.partition.ts_day)).size).toBeGreaterThan(3);
    expect(files('mixed_category').some((f) => f.partition.category_identity === null)).toBe(true);
    expect(files('mixed_hour_month').some((f) => (f.partition.ts_hour as number) < 0)).toBe(true);
    expect(files('mixed_numbers').some((f) => f.partition.big_identity === 2n ** 63n - 1n)).toBe(true);
    expect(twins.some((t) => t.columnarFiles.some((f) => f.splitOffsets.length > 3))).toBe(true);
  });

  it('takes split offsets and column sizes from the encoder exactly as the file footer has them', async () => {
    const catalog = new SqlCatalog({ warehouse });
    for (const twin of twins) {
      for (const file of twin.columnarFiles) {
        const bytes = await catalog.io.read(file.filePath);
        expect(BigInt(bytes.byteLength)).toBe(file.fileSizeInBytes);
        const footer = footerMetrics(bytes);
        expect(file.recordCount).toBe(footer.recordCount);
        expect(file.splitOffsets).toEqual(footer.splitOffsets);
        expect(file.columnSizes).toEqual(footer.columnSizes);
        expect(file.splitOffsets[0]).toBe(4n); // after the PAR1 magic
        let total = 0n;
        for (const size of file.columnSizes.values()) {
          expect(size).toBeGreaterThan(0n);
          total += size;
        }
        expect(total).toBeLessThanOrEqual(file.fileSizeInBytes);
        const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        const groups = parquetMetadata(buffer).row_groups;
        expect(groups).toHaveLength(Math.ceil(Number(file.recordCount) / twin.rowGroupSize));
        groups.forEach((group, i) => {
          const first = group.columns[0]?.meta_data;
          expect(BigInt(first?.dictionary_page_offset ?? first?.data_page_offset ?? -1)).toBe(file.splitOffsets[i]);
        });
      }
    }
    await catalog.close();
  });

  it('puts the same rows in each file in the same order (sorted stably, as the row path does)', async () => {
    const catalog = new SqlCatalog({ warehouse });
    for (const twin of twins) {
      const fields = fieldsOfSchema(currentSchema(twin.columnarTable.metadata));
      for (let i = 0; i < twin.rowFiles.length; i++) {
        const row = await readDataFile(await catalog.io.read((twin.rowFiles[i] as DataFile).filePath), fields);
        const col = await readDataFile(await catalog.io.read((twin.columnarFiles[i] as DataFile).filePath), fields);
        expect(col.rows, twin.label).toBe(row.rows);
        expect(col.columns, `${twin.label} file ${i}`).toEqual(row.columns);
      }
    }
    await catalog.close();
  });

  it('reads back the same rows through pyiceberg, equal to the input', () => {
    for (const twin of twins) {
      const columns = tableFields(twin.contract.fields).map((f) => f.name);
      const scan = (table: Table) => report.scans.find((s) => s.table === table.name)?.rows ?? [];
      const expected = normalizeRows(twin.expected, columns, byId);
      expect(normalizeRows(scan(twin.columnarTable), columns, byId), twin.label).toEqual(expected);
      expect(normalizeRows(scan(twin.rowTable), columns, byId), twin.label).toEqual(expected);
    }
  });

  it('appends and overwrites partitions with a ColumnarBatch through Table as with a RecordBatch', () => {
    const columns = tableFields(EVENTS).map((f) => f.name);
    const scan = (table: Table | undefined) => report.scans.find((s) => s.table === table?.name)?.rows ?? [];
    const expected = normalizeRows(overwrite.expected, columns, byId);
    expect(expected.length).toBeLessThan(1500);
    expect(normalizeRows(scan(overwrite.columnarTable), columns, byId)).toEqual(expected);
    expect(normalizeRows(scan(overwrite.rowTable), columns, byId)).toEqual(expected);
  });

  it('reads back the same rows through DuckDB iceberg_scan', () => {
    // The columnar table, read by DuckDB, against the input (the sign of zero included)…
    const twin = twins.find((t) => t.label.endsWith('_2')) as Twin;
    const fields = tableFields(twin.contract.fields);
    const expected = normalizeRows(
      twin.expected,
      fields.map((f) => f.name),
      byId,
    ).map((r) => Object.values(r));
    expect(report.duckdb[1]).toEqual(expected);
    // …and each columnar table against its row-path twin.
    expect(report.duckdb.length).toBeGreaterThan(0);
    for (let i = 0; i < report.duckdb.length; i += 2) {
      expect((report.duckdb[i] ?? []).length).toBeGreaterThan(0);
      expect(report.duckdb[i + 1]).toEqual(report.duckdb[i]);
    }
  });
});

describe('batches the columnar path cannot write', () => {
  const catalog = new SqlCatalog({ warehouse: join(dir, 'unalignable') });
  const base: Case = { name: 'base', fields: [], partitioning: [], sortOrder: [] };
  afterAll(() => catalog.close());

  function tableFor(name: string, fields: Field[]): Promise<Table> {
    return Table.create(catalog, { namespace: 'bad', name }, contractOf({ ...base, name, fields }));
  }

  function batchOf(fields: Field[], rows: number, seed = 1): ColumnarBatch {
    return columnarOf(randomBatch(contractOf({ ...base, fields }), seed, rows));
  }

  async function expectUnsupported(table: Table, batch: ColumnarBatch, message: RegExp): Promise<void> {
    const error = await table.writeFiles(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LakehouseError);
    expect(isLakehouseError(error, 'UNSUPPORTED_FORMAT')).toBe(true);
    expect((error as Error).message).toMatch(/^columnar Iceberg write: /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/write the rows as a RecordBatch instead$/);
    // Nothing was written.
    expect(await catalog.io.list(join(table.metadata.location, 'data'))).toEqual([]);
  }

  it('throws UNSUPPORTED_FORMAT with a clear message for a type it cannot align', async () => {
    const table = await tableFor('type_change', [F(1, 'id', STRING, false), F(2, 'n', LONG)]);
    await expectUnsupported(
      table,
      batchOf([F(1, 'id', STRING, false), F(2, 'n', STRING)], 20),
      /column n is string in the batch but long in the table/,
    );
    const decimals = await tableFor('decimal_scale', [F(1, 'id', STRING, false), F(2, 'd', decimal(12, 4))]);
    await expectUnsupported(
      decimals,
      batchOf([F(1, 'id', STRING, false), F(2, 'd', decimal(9, 2))], 20),
      /column d is decimal\(9,2\) in the batch but decimal\(12,4\) in the table/,
    );
  });

  it('throws for lists, missing struct members and nulls the table cannot hold', async () => {
    const listed = await tableFor('listed', [
      F(1, 'id', STRING, false),
      F(2, 'tags', { kind: 'list', element: F(3, 'element', STRING, false) }),
    ]);
    await expectUnsupported(listed, batchOf([F(1, 'id', STRING, false)], 5), /list column tags has no columnar form/);
    const struct = (...members: Field[]) => F(2, 's', { kind: 'struct', fields: members });
    const wide = await tableFor('struct_member', [F(1, 'id', STRING, false), struct(F(3, 'a', INT), F(4, 'b', INT))]);
    await expectUnsupported(
      wide,
      batchOf([F(1, 'id', STRING, false), struct(F(3, 'a', INT))], 5),
      /struct member s\.b \(id 4\) is missing from the batch/,
    );
    const strict = await tableFor('required', [F(1, 'id', STRING, false), F(2, 'n', INT, false)]);
    await expectUnsupported(
      strict,
      batchOf([F(1, 'id', STRING, false), F(2, 'n', INT)], 5),
      /column n is optional in the batch but required in the table/,
    );
  });

  it('lets the caller fall back to the row path, which writes the same batch', async () => {
    const fields = [F(1, 'id', STRING, false), F(2, 'n', STRING)];
    const table = await tableFor('fallback', [
      F(1, 'id', STRING, false),
      F(2, 'n', STRING),
      F(3, 'tags', { kind: 'list', element: F(4, 'element', INT) }),
    ]);
    const rows = randomBatch(contractOf({ ...base, fields }), 3, 30);
    const result = await table.append(columnarOf(rows)).catch(async (error: unknown) => {
      if (!isLakehouseError(error, 'UNSUPPORTED_FORMAT')) throw error;
      return table.append(rows);
    });
    expect(result.records).toBe(30n);
  });

  it('throws CONTRACT, as the row path does, when a required column is missing', async () => {
    const table = await tableFor('missing', [F(1, 'id', STRING, false), F(2, 'n', INT, false)]);
    await expect(table.writeFiles(batchOf([F(1, 'id', STRING, false)], 5))).rejects.toThrow(
      /the batch has no values for required column "n" \(id 2\)/,
    );
  });

  it('aligns what it can: int → long, a wider decimal, optional columns missing, required → optional', async () => {
    const tableFieldsV2 = [
      F(1, 'id', STRING, false),
      F(2, 'n', LONG),
      F(3, 'd', decimal(15, 2)),
      F(4, 'label', STRING),
      F(5, 'missing', STRING),
      F(6, 'gone', { kind: 'struct', fields: [F(7, 'x', INT), F(8, 'y', BOOLEAN, false)] }),
      F(9, 's', { kind: 'struct', fields: [F(10, 'a', INT), F(11, 'b', STRING)] }),
    ];
    const batchFields = [
      F(1, 'id', STRING, false),
      F(2, 'n', INT),
      F(3, 'd', decimal(7, 2)),
      F(4, 'label', STRING, false),
      F(9, 's', { kind: 'struct', fields: [F(10, 'a', INT, false), F(11, 'b', STRING)] }, false),
      F(12, 'extra', STRING),
    ];
    const rowTable = await tableFor('align_row', tableFieldsV2);
    const columnarTable = await tableFor('align_col', tableFieldsV2);
    const batch = randomBatch(contractOf({ ...base, fields: batchFields }), 5, 200);
    const rowFiles = await rowTable.writeFiles(batch);
    const columnarFiles = await writeColumnarDataFiles(catalog.io, columnarTable.metadata, columnarOf(batch));
    expect(columnarFiles.map(metricsOf)).toEqual(rowFiles.map(metricsOf));
    const fields = fieldsOfSchema(currentSchema(columnarTable.metadata));
    const io = catalog.io;
    const row = await readDataFile(await io.read((rowFiles[0] as DataFile).filePath), fields);
    const col = await readDataFile(await io.read((columnarFiles[0] as DataFile).filePath), fields);
    expect(col.columns).toEqual(row.columns);
    expect(col.columns.get('missing')?.every((v) => v === null)).toBe(true);
    expect(typeof col.columns.get('n')?.find((v) => v !== null)).toBe('bigint');
  });

  it('writes nothing for an empty batch', async () => {
    const table = await tableFor('empty', EVENTS);
    const empty = batchOf(EVENTS, 0);
    expect(await table.writeFiles(empty)).toEqual([]);
    expect((await table.append(empty)).noop).toBe(true);
  });
});

describe('partition transforms from typed values', () => {
  it('computes identity, year, month, day and hour as applyTransform does, int64 extremes and boundaries included', () => {
    const HOUR = 3_600_000_000n;
    const rnd = new Random(99);
    const micros: (bigint | null)[] = [null, 0n, -1n, 1n, 2n ** 53n, -(2n ** 53n) - 1n, 8_000_000_000_000_000_000n];
    micros.push(-8_000_000_000_000_000_000n, BigInt(Date.UTC(2000, 1, 29)) * 1000n - 1n);
    for (let i = 0; i < 400; i++) {
      const k = BigInt(rnd.int(-3_000_000, 3_000_000));
      micros.push(k * DAY_MICROS + BigInt(rnd.int(-1, 1)), k * HOUR + BigInt(rnd.int(-1, 1)));
      micros.push(BigInt(Math.floor((rnd.next() * 2 - 1) * 2 ** 62)));
    }
    const days: (number | null)[] = micros.map((_, i) =>
      i % 17 === 0 ? null : rnd.pick([0, -1, 11_016, -25_508, 2_932_896, -719_528, rnd.int(-100_000_000, 100_000_000)]),
    );
    const fields = [F(1, 'ts', TIMESTAMP), F(2, 'd', DATE)];
    const columns = new Map<string, Normalised[]>([
      ['ts', micros],
      ['d', days],
    ]);
    const contract = contractOf({ name: 'transforms', fields, partitioning: [], sortOrder: [] });
    const batch = columnarFromRecordBatch({ contract, length: micros.length, columns }, fields);
    const schema = schemaFromFields(fields, 0);
    for (const [source, type, values] of [
      ['ts', 'timestamptz', micros],
      ['d', 'date', days],
    ] as const) {
      for (const transform of ['identity', 'year', 'month', 'day', 'hour']) {
        if (source === 'd' && transform === 'hour') continue;
        const sourceId = source === 'ts' ? 1 : 2;
        const spec = { 'spec-id': 0, fields: [{ 'source-id': sourceId, 'field-id': 1000, name: 'p', transform }] };
        const parts = partitionRows(batch, bindSpec(spec, schema));
        const got = values.map((_, r) => parts.values[parts.groupOf[r] as number]?.p);
        expect(got, `${transform}(${source})`).toEqual(values.map((v) => applyTransform(transform, type, v)));
      }
    }
  });
});
