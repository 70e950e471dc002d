// Encodes record batches as Parquet with hyparquet-writer: columnar input straight from the batch, zstd from
// node:zlib, statistics on, field ids from the contract. `encodeParquet` returns bytes (for FileIO: local or
// S3); `ParquetFileWriter` streams row groups to a local file so memory stays at one row group.
import { closeSync, openSync, writeSync } from 'node:fs';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Field, FieldType } from '../contracts/model.ts';
import type { RecordBatch } from '../records/batch.ts';
import { codecName, writerCompressors, type Compression } from './codecs.ts';
import { isOptional, parquetSchema } from './schema.ts';

export interface ParquetOptions {
  /** Rows per row group (default 131,072). */
  readonly rowGroupSize?: number;
  readonly compression?: Compression;
  readonly zstdLevel?: number;
  /** Extra footer key-value metadata (e.g. the Iceberg schema JSON). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Columns to write, in order (default: the batch contract's fields). Lets Iceberg add lineage columns. */
  readonly fields?: readonly Field[];
}

export const CREATED_BY = 'lakehouse (hyparquet-writer)';
const DEFAULT_ROW_GROUP = 131_072;

type Sink = ConstructorParameters<typeof ParquetWriter>[0]['writer'];

function openWriter(sink: Sink, fields: readonly Field[], options: ParquetOptions): ParquetWriter {
  const compression = options.compression ?? 'zstd';
  return new ParquetWriter({
    writer: sink,
    schema: parquetSchema(fields),
    codec: codecName(compression),
    compressors: writerCompressors(options.zstdLevel),
    statistics: true,
    createdBy: CREATED_BY,
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

function columnData(batch: RecordBatch, fields: readonly Field[]) {
  return fields.map((field) => {
    const data = batch.columns.get(field.name) ?? new Array<null>(batch.length).fill(null);
    // hyparquet-writer keys its dictionaries by SameValueZero: -0 and 0 would share an entry and come back with
    // one sign. A column that holds a -0 is written PLAIN (all its leaves), which keeps every double as it was.
    const plain = holdsDouble(field.type) && data.some(hasNegativeZero);
    return { name: field.name, data, nullable: isOptional(field), ...(plain ? { encoding: 'PLAIN' as const } : {}) };
  });
}

function holdsDouble(type: FieldType): boolean {
  if (type.kind === 'double') return true;
  if (type.kind === 'struct') return type.fields.some((f) => holdsDouble(f.type));
  if (type.kind === 'list') return holdsDouble(type.element.type);
  return false;
}

function hasNegativeZero(value: unknown): boolean {
  if (typeof value === 'number') return value === 0 && 1 / value < 0;
  if (Array.isArray(value)) return value.some(hasNegativeZero);
  if (value instanceof Map) return [...value.values()].some(hasNegativeZero);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasNegativeZero);
  return false;
}

export function encodeParquet(batch: RecordBatch, options: ParquetOptions = {}): Uint8Array {
  const fields = options.fields ?? batch.contract.fields;
  const sink = new ByteWriter() as unknown as Sink;
  const writer = openWriter(sink, fields, options);
  void writer.write({ columnData: columnData(batch, fields), rowGroupSize: options.rowGroupSize ?? DEFAULT_ROW_GROUP });
  void writer.finish();
  return sink.getBytes();
}

/** Streams batches into one local Parquet file; each `write` becomes one or more row groups. */
export class ParquetFileWriter {
  readonly path: string;
  private readonly fd: number;
  private readonly sink: ByteWriter & { index: number };
  private readonly writer: ParquetWriter;
  private readonly fields: readonly Field[];
  private readonly rowGroupSize: number;
  private bytesFlushed = 0;
  records = 0;

  constructor(path: string, fields: readonly Field[], options: ParquetOptions = {}) {
    this.path = path;
    this.fields = fields;
    this.rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP;
    this.fd = openSync(path, 'w');
    const sink = new ByteWriter() as ByteWriter & { index: number; flush?: () => void };
    // Row groups leave memory as soon as they are encoded.
    sink.flush = () => this.flushToDisk();
    this.sink = sink;
    this.writer = openWriter(sink, fields, options);
  }

  /** Bytes on disk plus bytes encoded and not yet flushed: what the file would weigh now. */
  get bytes(): number {
    return this.bytesFlushed + this.sink.index;
  }

  write(batch: RecordBatch): void {
    if (batch.length === 0) return;
    void this.writer.write({ columnData: columnData(batch, this.fields), rowGroupSize: this.rowGroupSize });
    this.records += batch.length;
  }

  close(): { path: string; records: number; bytes: number } {
    void this.writer.finish();
    this.flushToDisk();
    closeSync(this.fd);
    return { path: this.path, records: this.records, bytes: this.bytesFlushed };
  }

  private flushToDisk(): void {
    if (this.sink.index === 0) return;
    writeSync(this.fd, new Uint8Array(this.sink.buffer, 0, this.sink.index));
    this.bytesFlushed += this.sink.index;
    this.sink.index = 0;
  }
}
