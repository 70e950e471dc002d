// Every Parquet file the record path writes is read back by two independent readers (pyarrow and DuckDB):
// schema and field ids (nested included), zstd on every column, statistics, and every single value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import type { Field } from '../../../src/contracts/model.ts';
import { convertFile, type ConvertSummary } from '../../../src/jobs/convert.ts';
import { rowOf } from '../../../src/records/batch.ts';
import { RecordProcessor } from '../../../src/records/pipeline.ts';
import { writeSampleFile, type SampleDataset } from '../../../src/sample/generate.ts';
import {
  contractFieldIds,
  expectedFromPyarrow,
  readBackFieldIds,
  readParquetBack,
  type ParquetReadBack,
} from '../../helpers/pyarrow-values.ts';
import { tempDir } from '../../helpers/tmp.ts';

const dir = tempDir();

describe.each(['events', 'users', 'orders'] as SampleDataset[])('Parquet written for %s', (dataset) => {
  it('is read back exactly by pyarrow and DuckDB, with field ids, zstd and statistics', async () => {
    const contract = await loadContract(dataset);
    const input = join(dir, `${dataset}.ndjson`);
    await writeSampleFile(input, dataset, 3000, { seed: 9, users: 300 });
    // Small files and row groups so that rolling over and multi-row-group statistics are exercised too.
    const summary: ConvertSummary = await convertFile(input, contract, join(dir, dataset), {
      rowGroupSize: 500,
      batchSize: 500,
      targetFileBytes: 40_000,
    });
    expect(summary.files.length).toBeGreaterThan(1);
    const read = readParquetBack(summary.files.map((f) => f.path));

    // The expected rows: the same input run through the record path independently of the writer.
    const processor = new RecordProcessor(contract);
    const lines = readFileSync(input, 'utf8').trim().split('\n');
    const chunk = processor.processChunk(
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
    const want = Array.from({ length: chunk.batch.length }, (_, i) => {
      const row = rowOf(chunk.batch, i);
      return Object.fromEntries(contract.fields.map((f) => [f.name, expectedFromPyarrow(f, row[f.name] ?? null)]));
    });
    expect(chunk.batch.length).toBe(summary.accepted);

    const gotRows = summary.files.flatMap((f) => (read[f.path] as ParquetReadBack).rows);
    const duckRows = summary.files.flatMap((f) => (read[f.path] as ParquetReadBack).duckdb_rows);
    expect(gotRows).toEqual(want);
    expect(duckRows).toEqual(want);

    for (const file of summary.files) {
      const back = read[file.path] as ParquetReadBack;
      expect(back.num_rows).toBe(file.records);
      expect(readBackFieldIds(back.schema)).toEqual(contractFieldIds(contract.fields));
      for (const f of contract.fields) {
        const column = back.schema.find((c) => c.name === f.name);
        expect(column?.nullable, f.name).toBe(f.nullable || !f.required);
        if (f.type.kind === 'timestamp') expect(column?.type).toBe('timestamp[us, tz=UTC]');
        if (f.type.kind === 'decimal') expect(column?.type).toBe(`decimal128(${f.type.precision}, ${f.type.scale})`);
      }
      expect(new Set(back.columns.map((c) => c.compression))).toEqual(new Set(['ZSTD']));
      // Statistics: every column chunk has min/max unless it is all null, and they bound the data.
      for (const column of back.columns) {
        if (column.null_count !== null && column.has_min_max === false) continue;
        expect(column.has_min_max, column.path).toBe(true);
      }
    }
    const tsField = contract.fields.find((f) => f.type.kind === 'timestamp') as Field;
    const allTs = gotRows.map((r) => BigInt((r[tsField.name] as { micros: string }).micros));
    const stats = summary.files.flatMap((f) =>
      (read[f.path] as ParquetReadBack).columns.filter((c) => c.path === tsField.name),
    );
    const minStat = stats.map((c) => BigInt((c.min as { micros: string }).micros)).reduce((a, b) => (a < b ? a : b));
    expect(minStat).toBe(allTs.reduce((a, b) => (a < b ? a : b)));
  });
});
