// Parquet input, read one row group at a time (bounded memory) with hyparquet. Values are turned back into the
// JSON shapes the contract accepts (timestamps as ISO strings with microseconds, 64-bit integers exact), so that
// Parquet input goes through the same validation as every other format.
import { open } from 'node:fs/promises';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer } from 'hyparquet';
import { formatTimestampMicros } from '../records/values.ts';
import { parquetCompressors } from '../parquet/codecs.ts';
import type { ParsedItem } from './types.ts';

export async function* parseParquetFile(path: string): AsyncIterable<ParsedItem[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const length = (end ?? size) - start;
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, start);
        return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + length);
      },
    };
    const metadata = await parquetMetadataAsync(file);
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const rows = await parquetReadObjects({
        file,
        metadata,
        rowStart,
        rowEnd,
        compressors: parquetCompressors,
        parsers: {
          timestampFromMicroseconds: (micros: bigint) => formatTimestampMicros(micros),
          timestampFromMilliseconds: (millis: bigint) => formatTimestampMicros(millis * 1000n),
          timestampFromNanoseconds: (nanos: bigint) => formatTimestampMicros(nanos / 1000n),
          dateFromDays: (days: number) => new Date(days * 86_400_000).toISOString().slice(0, 10),
        },
      });
      yield rows.map((row, i): ParsedItem => {
        const value = toJsonShape(row);
        return { kind: 'record', value, raw: JSON.stringify(value), line: rowStart + i + 1 };
      });
      rowStart = rowEnd;
    }
  } finally {
    await handle.close();
  }
}

function toJsonShape(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonShape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonShape(v)]));
  }
  return value;
}
