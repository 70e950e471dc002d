// Files from the columnar encoder, read back by two independent readers (pyarrow and DuckDB): the same rows as
// hyparquet-writer's file of the same batch, field ids (nested too), zstd everywhere, correct statistics,
// timestamps as µs UTC, decimals, several row groups appended from structured clones (as worker threads post
// them), and both dictionary-encoded and PLAIN columns.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import type { Contract, Field } from '../../../src/contracts/model.ts';
import { isLakehouseError } from '../../../src/errors.ts';
import {
  ColumnarParquetWriter,
  columnarFromRecordBatch,
  CREATED_BY,
  encodeRowGroup,
  type EncodedRowGroup,
} from '../../../src/parquet/columnar/index.ts';
import { encodeParquet } from '../../../src/parquet/encode.ts';
import { sliceBatch, type RecordBatch } from '../../../src/records/batch.ts';
import { RecordProcessor } from '../../../src/records/pipeline.ts';
import type { Normalised, NormalisedStruct } from '../../../src/records/values.ts';
import { writeSampleFile, type SampleDataset } from '../../../src/sample/generate.ts';
import { venvPython } from '../../helpers/python.ts';
import {
  contractFieldIds,
  expectedFromPyarrow,
  readBackFieldIds,
  readParquetBack,
  type ParquetReadBack,
} from '../../helpers/pyarrow-values.ts';
import { tempDir } from '../../helpers/tmp.ts';

const dir = tempDir();

/** Layout details read_parquet.py does not print: encodings, offsets, and DuckDB's view of the statistics. */
const LAYOUT_SCRIPT = `
import json, os, sys
import duckdb
import pyarrow.parquet as pq

out = {}
for path in json.loads(sys.argv[1])["files"]:
    metadata = pq.ParquetFile(path).metadata
    groups = []
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        columns = []
        for i in range(group.num_columns):
            c = group.column(i)
            columns.append({
                "path": c.path_in_schema,
                "encodings": list(c.encodings),
                "has_dictionary_page": c.has_dictionary_page,
                "dictionary_page_offset": c.dictionary_page_offset,
                "data_page_offset": c.data_page_offset,
                "total_compressed_size": c.total_compressed_size,
            })
        groups.append({"num_rows": group.num_rows, "columns": columns})
    duck = duckdb.sql(
        f"select row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count, compression "
        f"from parquet_metadata('{path}')"
    ).fetchall()
    out[path] = {
        "size": os.path.getsize(path),
        "row_groups": groups,
        "duckdb": [{"row_group": r[0], "path": r[1], "min": r[2], "max": r[3], "null_count": r[4], "compression": r[5]}
                   for r in duck],
    }
print(json.dumps(out))
`;

interface Layout {
  size: number;
  row_groups: {
    num_rows: number;
    columns: {
      path: string;
      encodings: string[];
      has_dictionary_page: boolean;
      dictionary_page_offset: number | null;
      data_page_offset: number;
      total_compressed_size: number;
    }[];
  }[];
  duckdb: {
    row_group: number;
    path: string;
    min: string | null;
    max: string | null;
    null_count: number | null;
    compression: string;
  }[];
}

function readLayout(files: string[]): Record<string, Layout> {
  // venvPython throws when the venv is missing: the test fails rather than skips.
  const out = execFileSync(venvPython('tools'), ['-c', LAYOUT_SCRIPT, JSON.stringify({ files })], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out) as Record<string, Layout>;
}

/** Leaf fields with their paths, depth first (the Parquet column order). */
function leaves(fields: readonly Field[], above: string[] = []): { path: string[]; field: Field }[] {
  return fields.flatMap((f) =>
    f.type.kind === 'struct' ? leaves(f.type.fields, [...above, f.name]) : [{ path: [...above, f.name], field: f }],
  );
}

function valueAt(batch: RecordBatch, path: string[], row: number): Normalised {
  let value: Normalised = batch.columns.get(path[0] as string)?.[row] ?? null;
  for (const name of path.slice(1)) value = value === null ? null : ((value as NormalisedStruct)[name] ?? null);
  return value;
}

/** Parquet's order for a leaf: unsigned bytes for strings, numeric otherwise (false < true). */
function compare(a: Normalised, b: Normalised): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

/** The statistics a row group's chunk of this leaf should carry, in read_parquet.py's representation. */
function expectedStatistics(batch: RecordBatch, path: string[], field: Field) {
  let min: Normalised = null;
  let max: Normalised = null;
  let nulls = 0;
  for (let row = 0; row < batch.length; row++) {
    const value = valueAt(batch, path, row);
    if (value === null) {
      nulls++;
      continue;
    }
    if (min === null || compare(value, min) < 0) min = value;
    if (max === null || compare(value, max) > 0) max = value;
  }
  return {
    null_count: nulls,
    has_min_max: min !== null,
    min: expectedFromPyarrow(field, min),
    max: expectedFromPyarrow(field, max),
  };
}

async function processed(dataset: SampleDataset, records: number): Promise<{ contract: Contract; batch: RecordBatch }> {
  const contract = await loadContract(dataset);
  const input = join(dir, `${dataset}.ndjson`);
  await writeSampleFile(input, dataset, records, { seed: 21, users: 300 });
  const lines = readFileSync(input, 'utf8').trim().split('\n');
  const chunk = new RecordProcessor(contract).processChunk(
    lines.map((raw, i) => {
      try {
        return { kind: 'record' as const, value: JSON.parse(raw) as unknown, raw, line: i + 1 };
      } catch {
        return { kind: 'unparseable' as const, rule: 'json', message: 'bad', raw, line: i + 1 };
      }
    }),
    input,
    false,
  );
  return { contract, batch: chunk.batch };
}

/** Row-group boundaries: three uneven parts. */
function parts(batch: RecordBatch): RecordBatch[] {
  const cuts = [0, Math.floor(batch.length * 0.3), Math.floor(batch.length * 0.35), batch.length];
  return cuts.slice(1).map((end, i) => {
    const start = cuts[i] as number;
    return sliceBatch(
      batch,
      Array.from({ length: end - start }, (_, k) => start + k),
    );
  });
}

interface Case {
  readonly dataset: SampleDataset;
  /** Columns that must come out dictionary-encoded, and ones that must stay PLAIN. */
  readonly dictionary: readonly string[];
  readonly plain: readonly string[];
  /** Fields to write (orders: everything but the list). */
  readonly fields?: (contract: Contract) => readonly Field[];
}

const CASES: readonly Case[] = [
  { dataset: 'events', dictionary: ['event_type', 'country', 'properties.page'], plain: ['event_id', 'event_ts'] },
  { dataset: 'users', dictionary: ['country', 'plan'], plain: ['user_id', 'email'] },
  {
    dataset: 'orders',
    dictionary: ['status', 'currency'],
    plain: ['order_id', 'order_number'],
    fields: (contract) => contract.fields.filter((f) => f.type.kind !== 'list'),
  },
];

describe.each(CASES)('columnar Parquet for $dataset', ({ dataset, dictionary, plain, fields: pick }) => {
  it('is read back by pyarrow and DuckDB exactly like hyparquet-writer output of the same batch', async () => {
    const { contract, batch } = await processed(dataset, 3000);
    const fields = pick ? pick(contract) : contract.fields;
    const groups = parts(batch);

    // Row groups encoded separately, cloned as a worker's postMessage would, appended to one file.
    const ours = join(dir, `${dataset}-columnar.parquet`);
    const writer = new ColumnarParquetWriter(ours, fields, { pageSize: 16 * 1024, metadata: { dataset } });
    for (const group of groups) {
      const encoded = encodeRowGroup(columnarFromRecordBatch(group, fields), { pageSize: 16 * 1024 });
      const posted: EncodedRowGroup = structuredClone(encoded);
      writer.appendRowGroup(posted);
    }
    const result = writer.close();
    expect(result).toEqual({ path: ours, records: batch.length, bytes: statSync(ours).size });

    const reference = join(dir, `${dataset}-hyparquet.parquet`);
    writeFileSync(reference, encodeParquet(batch, { fields }));

    const read = readParquetBack([ours, reference]);
    const back = read[ours] as ParquetReadBack;
    const want = Array.from({ length: batch.length }, (_, i) =>
      Object.fromEntries(fields.map((f) => [f.name, expectedFromPyarrow(f, batch.columns.get(f.name)?.[i] ?? null)])),
    );
    expect(back.rows).toEqual(want);
    expect(back.duckdb_rows).toEqual(want);
    expect(back.rows).toEqual((read[reference] as ParquetReadBack).rows);
    expect(back.num_rows).toBe(batch.length);
    expect(back.created_by).toBe(CREATED_BY);

    // Schema: field ids everywhere, optionality, µs UTC timestamps, decimals, dates.
    expect(readBackFieldIds(back.schema)).toEqual(contractFieldIds(fields));
    expect(back.schema).toEqual((read[reference] as ParquetReadBack).schema);
    for (const f of fields) {
      const column = back.schema.find((c) => c.name === f.name);
      expect(column?.nullable, f.name).toBe(f.nullable || !f.required);
      if (f.type.kind === 'timestamp') expect(column?.type).toBe('timestamp[us, tz=UTC]');
      if (f.type.kind === 'decimal') expect(column?.type).toBe(`decimal128(${f.type.precision}, ${f.type.scale})`);
      if (f.type.kind === 'date') expect(column?.type).toBe('date32[day]');
    }

    // zstd and exact statistics on every column chunk of every row group.
    expect(new Set(back.columns.map((c) => c.compression))).toEqual(new Set(['ZSTD']));
    const leafFields = leaves(fields);
    expect(back.columns.length).toBe(leafFields.length * groups.length);
    for (const column of back.columns) {
      const leaf = leafFields.find((l) => l.path.join('.') === column.path);
      expect(leaf, column.path).toBeDefined();
      const group = groups[column.row_group] as RecordBatch;
      const stats = expectedStatistics(group, leaf?.path ?? [], leaf?.field as Field);
      expect(
        { null_count: column.null_count, has_min_max: column.has_min_max, min: column.min, max: column.max },
        `${column.path} in row group ${column.row_group}`,
      ).toEqual(stats);
    }

    // Layout: row groups back to back after the magic, dictionary and PLAIN columns, DuckDB sees the stats.
    const layout = readLayout([ours])[ours] as Layout;
    expect(layout.row_groups.map((g) => g.num_rows)).toEqual(groups.map((g) => g.length));
    let offset = 4;
    for (const group of layout.row_groups) {
      for (const column of group.columns) {
        const start = column.dictionary_page_offset ?? column.data_page_offset;
        expect(start, column.path).toBe(offset);
        offset = start + column.total_compressed_size;
      }
    }
    expect(offset).toBeLessThan(layout.size - 8);
    const encodings = (path: string) =>
      layout.row_groups.map((g) => g.columns.find((c) => c.path === path) as Layout['row_groups'][0]['columns'][0]);
    for (const path of dictionary)
      for (const column of encodings(path)) {
        expect(column.has_dictionary_page, path).toBe(true);
        expect(column.encodings, path).toContain('RLE_DICTIONARY');
      }
    for (const path of plain)
      for (const column of encodings(path)) {
        expect(column.has_dictionary_page, path).toBe(false);
        expect(column.encodings, path).not.toContain('RLE_DICTIONARY');
      }
    expect(new Set(layout.duckdb.map((c) => c.compression))).toEqual(new Set(['ZSTD']));
    for (const c of layout.duckdb) {
      const twin = back.columns.find((b) => b.row_group === c.row_group && b.path.split('.').join(', ') === c.path);
      const pyarrowPath = c.path.split(', ').join('.');
      const mate = twin ?? back.columns.find((b) => b.row_group === c.row_group && b.path === pyarrowPath);
      expect(mate, c.path).toBeDefined();
      expect(c.null_count, c.path).toBe(mate?.null_count);
      expect(c.min !== null && c.max !== null, c.path).toBe(mate?.has_min_max);
    }
  });
});

describe('columnar Parquet for orders with its list column', () => {
  it('is refused as unsupported, so callers fall back to the hyparquet-writer encoder', async () => {
    const { batch } = await processed('orders', 50);
    let error: unknown;
    try {
      columnarFromRecordBatch(batch);
    } catch (e) {
      error = e;
    }
    expect(isLakehouseError(error, 'UNSUPPORTED_FORMAT'), String(error)).toBe(true);
    expect(String(error)).toMatch(/line_items/);
  });
});
