// Encodes ColumnarBatches into Parquet: `encodeRowGroup` turns one batch into a self-contained run of column
// chunks (optional dictionary page, then data pages v1 of about `pageSize` bytes, each compressed once) whose
// metadata records offsets relative to its own bytes, so that worker threads can encode row groups in parallel
// and post them (plain objects and Uint8Arrays only) to one `ColumnarParquetWriter`, which relocates the offsets
// as it appends them and writes the footer on close.
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants, zstdCompressSync } from 'node:zlib';
import type { SchemaElement } from 'hyparquet';
import type { Field } from '../../contracts/model.ts';
import { ioError, LakehouseError } from '../../errors.ts';
import type { ColumnarBatch, LeafKind, LeafVector } from '../../records/columns.ts';
import { DEFAULT_ZSTD_LEVEL } from '../codecs.ts';
import { parquetSchema } from '../schema.ts';
import { ByteBuffer } from './bytes.ts';
import { chooseDictionary, type Dictionary } from './dictionary.ts';
import { bitWidth, writeBooleans, writeHybrid, writeLevels } from './rle.ts';
import { columnStatistics } from './statistics.ts';
import {
  Codec,
  Encoding,
  PageType,
  PhysicalType,
  writeFileMetaData,
  writePageHeader,
  type ColumnChunk,
  type ColumnMetaData,
  type PageEncodingStats,
  type PageHeader,
  type RowGroup,
} from './thrift.ts';

export const CREATED_BY = 'lakehouse columnar';
export const DEFAULT_PAGE_SIZE = 1 << 20;
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1

// Typed arrays are copied to PLAIN pages as they lie in memory, which is only right on a little-endian host.
if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1)
  throw new Error('the columnar encoder needs a little-endian host');

export interface ColumnarParquetOptions {
  /** Page compression (default zstd). */
  readonly compression?: 'zstd' | 'uncompressed';
  /** zstd level (default `DEFAULT_ZSTD_LEVEL`). */
  readonly zstdLevel?: number;
  /** Target uncompressed size of a data page in bytes (default 1 MiB). */
  readonly pageSize?: number;
  /** Dictionary-encode bytes/int32/int64 columns where it pays (default true). */
  readonly dictionary?: boolean;
  /** Footer key-value metadata (e.g. the Iceberg schema JSON); used by the writer, ignored per row group. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * One encoded row group: its column chunks back to back in `bytes`, and their metadata with offsets relative to
 * the start of `bytes`. Structured-clone-able (plain objects, numbers, Uint8Arrays), so `bytes.buffer` can be
 * transferred from a worker thread.
 */
export interface EncodedRowGroup {
  readonly rows: number;
  readonly bytes: Uint8Array;
  /** Uncompressed size of the column chunks, page headers included (the row group's total_byte_size). */
  readonly uncompressedSize: number;
  /** One per leaf column, in schema order. */
  readonly columns: readonly ColumnMetaData[];
}

export interface ColumnarWriteResult {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
}

interface Settings {
  readonly codec: number;
  readonly level: number;
  readonly pageSize: number;
  readonly dictionary: boolean;
}

function settingsOf(options: ColumnarParquetOptions): Settings {
  const compression = options.compression ?? 'zstd';
  if (compression !== 'zstd' && compression !== 'uncompressed')
    throw new LakehouseError(
      'CONFIG',
      `columnar Parquet compression must be zstd or uncompressed, not ${String(compression)}`,
    );
  return {
    codec: compression === 'zstd' ? Codec.ZSTD : Codec.UNCOMPRESSED,
    level: options.zstdLevel ?? DEFAULT_ZSTD_LEVEL,
    pageSize: Math.max(1024, options.pageSize ?? DEFAULT_PAGE_SIZE),
    dictionary: options.dictionary ?? true,
  };
}

/** A leaf column of the Parquet schema: what a LeafVector at its position must look like. */
interface SchemaLeaf {
  readonly path: readonly string[];
  readonly type: number;
  readonly kind: LeafKind;
  readonly maxDefinitionLevel: number;
}

const KIND_OF_TYPE: Record<string, LeafKind | undefined> = {
  BOOLEAN: 'boolean',
  INT32: 'int32',
  INT64: 'int64',
  DOUBLE: 'double',
  BYTE_ARRAY: 'bytes',
};

/** The leaf columns of a schema, depth first; lists and fixed-length decimals are not encoded here. */
export function schemaLeaves(schema: readonly SchemaElement[]): SchemaLeaf[] {
  const leaves: SchemaLeaf[] = [];
  let next = 1;
  const visit = (path: readonly string[], level: number): void => {
    const element = schema[next++] as SchemaElement;
    const here = [...path, element.name];
    if (element.repetition_type === 'REPEATED') throw unsupported(`column ${here.join('.')} is a list`, here);
    const depth = level + (element.repetition_type === 'OPTIONAL' ? 1 : 0);
    if (element.num_children !== undefined) {
      for (let i = 0; i < element.num_children; i++) visit(here, depth);
      return;
    }
    const kind = element.type === undefined ? undefined : KIND_OF_TYPE[element.type];
    if (!kind || element.type === undefined)
      throw unsupported(`column ${here.join('.')} has physical type ${String(element.type)}`, here);
    leaves.push({ path: here, type: PhysicalType[element.type], kind, maxDefinitionLevel: depth });
  };
  const top = schema[0]?.num_children ?? 0;
  for (let i = 0; i < top; i++) visit([], 0);
  return leaves;
}

function unsupported(message: string, path: readonly string[]): LakehouseError {
  return new LakehouseError(
    'UNSUPPORTED_FORMAT',
    `${message}: not supported by the columnar Parquet encoder (use encodeParquet)`,
    { path: path.join('.') },
  );
}

/** Encodes a batch as one row group. */
export function encodeRowGroup(batch: ColumnarBatch, options: ColumnarParquetOptions = {}): EncodedRowGroup {
  const settings = settingsOf(options);
  const leaves = schemaLeaves(parquetSchema(batch.fields));
  if (leaves.length !== batch.leaves.length)
    throw internal(`batch has ${batch.leaves.length} leaf vectors, its schema ${leaves.length} leaf columns`);
  const out = new Pieces();
  const scratch = new ByteBuffer(settings.pageSize + (settings.pageSize >>> 2));
  const columns: ColumnMetaData[] = [];
  let uncompressedSize = 0;
  for (let i = 0; i < leaves.length; i++) {
    const leaf = batch.leaves[i] as LeafVector;
    checkLeaf(leaf, leaves[i] as SchemaLeaf, batch.rows);
    const column = encodeColumn(out, scratch, leaf, leaves[i] as SchemaLeaf, settings);
    uncompressedSize += column.total_uncompressed_size;
    columns.push(column);
  }
  return { rows: batch.rows, bytes: out.concat(), uncompressedSize, columns };
}

/**
 * The row group's bytes as a list of pieces (page headers, compressed bodies) joined once at the end: one copy,
 * instead of growing a buffer page by page and copying it out.
 */
class Pieces {
  readonly list: Uint8Array[] = [];
  length = 0;
  /** Page headers are serialised here, then copied out as a piece of their own. */
  readonly header = new ByteBuffer(256);

  push(piece: Uint8Array): void {
    this.list.push(piece);
    this.length += piece.length;
  }

  concat(): Uint8Array {
    const bytes = new Uint8Array(this.length);
    let at = 0;
    for (const piece of this.list) {
      bytes.set(piece, at);
      at += piece.length;
    }
    return bytes;
  }
}

function internal(message: string, details: Record<string, unknown> = {}): LakehouseError {
  return new LakehouseError('INTERNAL', `columnar Parquet: ${message}`, details);
}

const ARRAY_OF_KIND = {
  int32: Int32Array,
  int64: BigInt64Array,
  double: Float64Array,
  boolean: Uint8Array,
  bytes: Uint8Array,
} as const;

/** A malformed vector would make a corrupt file: check shapes, and that the levels agree with `count`. */
function checkLeaf(leaf: LeafVector, expected: SchemaLeaf, rows: number): void {
  const name = expected.path.join('.');
  const fail = (what: string) => internal(`leaf ${name}: ${what}`, { path: name });
  if (leaf.path.join('.') !== name) throw fail(`vector is for ${leaf.path.join('.')}`);
  if (leaf.kind !== expected.kind) throw fail(`kind ${leaf.kind}, schema wants ${expected.kind}`);
  if (leaf.maxDefinitionLevel !== expected.maxDefinitionLevel)
    throw fail(`max definition level ${leaf.maxDefinitionLevel}, schema says ${expected.maxDefinitionLevel}`);
  if (leaf.rows !== rows) throw fail(`${leaf.rows} rows in a batch of ${rows}`);
  if (!(leaf.values instanceof ARRAY_OF_KIND[leaf.kind]))
    throw fail(`values are not a ${ARRAY_OF_KIND[leaf.kind].name}`);
  if (leaf.kind === 'bytes') {
    const starts = leaf.starts;
    if (!starts || starts.length < leaf.count + 1 || (starts[leaf.count] as number) > leaf.values.length)
      throw fail('starts do not cover the values');
  } else if (leaf.values.length < leaf.count) throw fail(`${leaf.values.length} values for a count of ${leaf.count}`);
  const max = leaf.maxDefinitionLevel;
  if (max === 0) {
    if (leaf.count !== rows) throw fail(`required column with ${leaf.count} values in ${rows} rows`);
    return;
  }
  const levels = leaf.definitionLevels;
  if (!levels || levels.length < rows) throw fail('definition levels missing or short');
  // Branch-free (levels are often random): count levels equal to max, and catch any above it.
  let present = 0;
  let above = 0;
  for (let r = 0; r < rows; r++) {
    const level = levels[r] as number;
    present += ((level ^ max) - 1) >>> 31;
    above |= max - level;
  }
  if (above < 0) throw fail(`a definition level is above ${max}`);
  if (present !== leaf.count) throw fail(`${present} rows at the max definition level, count says ${leaf.count}`);
}

/** Appends one column chunk to `out`; returns its metadata (offsets relative to the start of `out`). */
function encodeColumn(
  out: Pieces,
  scratch: ByteBuffer,
  leaf: LeafVector,
  schema: SchemaLeaf,
  settings: Settings,
): ColumnMetaData {
  const dictionary = settings.dictionary ? chooseDictionary(leaf) : null;
  const statistics = columnStatistics(leaf, dictionary);
  const sizes = { uncompressed: 0, compressed: 0 };
  const encodingStats: PageEncodingStats[] = [];
  let dictionaryOffset: number | undefined;
  if (dictionary) {
    dictionaryOffset = out.length;
    scratch.reset();
    writeDictionaryPage(scratch, leaf, dictionary);
    writePage(out, scratch.view(), settings, sizes, {
      type: PageType.DICTIONARY_PAGE,
      dictionary_page_header: { num_values: dictionary.size, encoding: Encoding.PLAIN },
    });
    encodingStats.push({ page_type: PageType.DICTIONARY_PAGE, encoding: Encoding.PLAIN, count: 1 });
  }
  const dataOffset = out.length;
  const encoding = dictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN;
  const max = leaf.maxDefinitionLevel;
  const levels = max > 0 ? (leaf.definitionLevels as Uint8Array) : null;
  const levelWidth = bitWidth(max);
  const indexWidth = dictionary ? bitWidth(dictionary.size - 1) : 0;
  const valuesPerPage = pageValues(leaf, dictionary, indexWidth, settings.pageSize);
  const starts = leaf.starts;
  let pages = 0;
  let row = 0;
  let value = 0;
  do {
    // Values first (by size), then the rows that hold them, trailing nulls included up to a row cap.
    let valueEnd: number;
    if (starts && !dictionary) {
      valueEnd = bytesPageEnd(starts, value, leaf.count, settings.pageSize);
    } else valueEnd = Math.min(leaf.count, value + valuesPerPage);
    let rowEnd: number;
    if (levels) {
      const cap = Math.min(leaf.rows, row + settings.pageSize * 4);
      if (valueEnd === leaf.count && cap === leaf.rows) {
        rowEnd = leaf.rows; // the last page: checkLeaf has counted its values already
      } else {
        const want = valueEnd - value;
        let present = 0;
        let r = row;
        for (; r < cap; r++) {
          if (levels[r] === max) {
            if (present === want) break;
            present++;
          }
        }
        rowEnd = r;
        valueEnd = value + present;
      }
    } else rowEnd = valueEnd;

    let body: Uint8Array;
    if (!levels && !dictionary && leaf.kind !== 'boolean') {
      body = plainView(leaf, value, valueEnd); // the page is the values as they lie: no copy to compress them
    } else {
      scratch.reset();
      if (levels) writeLevels(scratch, levels, row, rowEnd, levelWidth);
      if (dictionary) {
        scratch.u8(indexWidth);
        if (valueEnd > value) writeHybrid(scratch, dictionary.indices, value, valueEnd, indexWidth);
      } else if (leaf.kind === 'boolean') writeBooleans(scratch, leaf.values as Uint8Array, value, valueEnd);
      else scratch.append(plainView(leaf, value, valueEnd));
      body = scratch.view();
    }
    writePage(out, body, settings, sizes, {
      type: PageType.DATA_PAGE,
      data_page_header: {
        num_values: rowEnd - row,
        encoding,
        definition_level_encoding: Encoding.RLE,
        repetition_level_encoding: Encoding.RLE,
      },
    });
    pages++;
    row = rowEnd;
    value = valueEnd;
  } while (row < leaf.rows);
  encodingStats.push({ page_type: PageType.DATA_PAGE, encoding, count: pages });

  const meta: ColumnMetaData = {
    type: schema.type,
    encodings: dictionary ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY] : [Encoding.PLAIN, Encoding.RLE],
    path_in_schema: schema.path,
    codec: settings.codec,
    num_values: leaf.rows,
    total_uncompressed_size: sizes.uncompressed,
    total_compressed_size: sizes.compressed,
    data_page_offset: dataOffset,
    statistics,
    encoding_stats: encodingStats,
  };
  return dictionaryOffset === undefined ? meta : { ...meta, dictionary_page_offset: dictionaryOffset };
}

/** Values per data page for fixed-width encodings (PLAIN numbers and booleans, dictionary indices). */
function pageValues(leaf: LeafVector, dictionary: Dictionary | null, indexWidth: number, pageSize: number): number {
  if (dictionary) return Math.max(8, Math.floor((pageSize * 8) / indexWidth));
  switch (leaf.kind) {
    case 'int32':
      return Math.max(1, pageSize >>> 2);
    case 'int64':
    case 'double':
      return Math.max(1, pageSize >>> 3);
    case 'boolean':
      return pageSize * 8;
    case 'bytes':
      return 0; // sized by bytesPageEnd
  }
}

/** The first value past a page of PLAIN byte arrays starting at `from`: binary search over the offsets. */
function bytesPageEnd(starts: Int32Array, from: number, count: number, pageSize: number): number {
  const limit = (starts[from] as number) + pageSize;
  let lo = from + 1;
  let hi = count;
  if (lo >= hi) return count;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((starts[mid] as number) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** PLAIN bytes of values [from, to) of a non-boolean leaf: a view of the vector's own memory. */
function plainView(leaf: LeafVector, from: number, to: number): Uint8Array {
  const v = leaf.values;
  if (leaf.kind === 'bytes') {
    const starts = leaf.starts as Int32Array;
    return (v as Uint8Array).subarray(starts[from], starts[to]);
  }
  const width = v.BYTES_PER_ELEMENT;
  return new Uint8Array(v.buffer, v.byteOffset + from * width, (to - from) * width);
}

function writeDictionaryPage(out: ByteBuffer, leaf: LeafVector, dictionary: Dictionary): void {
  const { first, size } = dictionary;
  if (leaf.kind === 'bytes') {
    const v = leaf.values as Uint8Array;
    const starts = leaf.starts as Int32Array;
    out.reserve(dictionary.pageBytes);
    const b = out.bytes;
    let pos = out.length;
    for (let e = 0; e < size; e++) {
      const i = first[e] as number;
      const end = starts[i + 1] as number;
      for (let p = starts[i] as number; p < end; p++) b[pos++] = v[p] as number;
    }
    out.length = pos;
    return;
  }
  const src = leaf.values as Int32Array | BigInt64Array;
  const words = leaf.kind === 'int64' ? 2 : 1;
  const from = new Int32Array(src.buffer, src.byteOffset, leaf.count * words);
  const entries = new Int32Array(size * words);
  if (words === 1) for (let e = 0; e < size; e++) entries[e] = from[first[e] as number] as number;
  else
    for (let e = 0; e < size; e++) {
      const i = (first[e] as number) * 2;
      entries[2 * e] = from[i] as number;
      entries[2 * e + 1] = from[i + 1] as number;
    }
  out.append(new Uint8Array(entries.buffer));
}

/**
 * Compresses a page body once and appends header and body to `out`, adding to the chunk's sizes. The body may
 * be scratch space or the caller's vectors: what is kept is always a copy (compressed output, or a slice).
 */
function writePage(
  out: Pieces,
  body: Uint8Array,
  settings: Settings,
  sizes: { uncompressed: number; compressed: number },
  header: Omit<PageHeader, 'uncompressed_page_size' | 'compressed_page_size'>,
): void {
  const stored =
    settings.codec === Codec.ZSTD
      ? zstdCompressSync(body, {
          params: { [constants.ZSTD_c_compressionLevel]: settings.level },
          // One output chunk for the whole page rather than zlib's 16 KiB default.
          chunkSize: Math.max(64 * 1024, body.length + 1024),
        })
      : body.slice();
  out.header.reset();
  writePageHeader(out.header, { ...header, uncompressed_page_size: body.length, compressed_page_size: stored.length });
  out.push(out.header.toBytes());
  out.push(stored);
  sizes.uncompressed += out.header.length + body.length;
  sizes.compressed += out.header.length + stored.length;
}

/** Where a Parquet file goes: a local file, memory, or anything else that takes bytes in order. */
export interface ParquetSink {
  readonly path: string;
  write(bytes: Uint8Array): void;
  close(): void;
}

/** A local file, written synchronously (the writer's callers are worker-fed loops, not request handlers). */
export class FileSink implements ParquetSink {
  readonly path: string;
  private fd: number | null;

  constructor(path: string) {
    this.path = path;
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw ioError('open Parquet file', path, error, { writing: true });
    }
  }

  write(bytes: Uint8Array): void {
    if (this.fd === null) throw internal(`write to closed file ${this.path}`);
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (error) {
      throw ioError('write Parquet file', this.path, error, { writing: true });
    }
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}

/** Collects the file in memory; `toBytes()` after close. */
export class MemorySink implements ParquetSink {
  readonly path: string;
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  constructor(path = 'memory:') {
    this.path = path;
  }

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  close(): void {}

  toBytes(): Uint8Array {
    const all = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }
}

/**
 * One Parquet file, appended to a row group at a time (in order) and finished by `close()`. Row groups come
 * from `write(batch)` or, encoded elsewhere (worker threads), from `appendRowGroup`.
 */
export class ColumnarParquetWriter {
  readonly path: string;
  readonly fields: readonly Field[];
  /** Rows appended so far. */
  records = 0;
  private readonly sink: ParquetSink;
  private readonly options: ColumnarParquetOptions;
  private readonly schema: SchemaElement[];
  private readonly leaves: readonly SchemaLeaf[];
  private readonly rowGroups: RowGroup[] = [];
  private position = 0;
  private closed = false;

  constructor(target: string | ParquetSink, fields: readonly Field[], options: ColumnarParquetOptions = {}) {
    settingsOf(options); // reject bad options before a file exists
    this.schema = parquetSchema(fields);
    this.leaves = schemaLeaves(this.schema);
    this.sink = typeof target === 'string' ? new FileSink(target) : target;
    this.path = this.sink.path;
    this.fields = fields;
    this.options = options;
    this.sink.write(MAGIC);
    this.position = MAGIC.length;
  }

  /** Bytes written so far (the footer not included). */
  get bytes(): number {
    return this.position;
  }

  /** Encodes a batch here, as one row group. */
  write(batch: ColumnarBatch): void {
    if (batch.rows === 0) return;
    this.appendRowGroup(encodeRowGroup(batch, this.options));
  }

  /** Appends an encoded row group at the end of the file, relocating its offsets; empty ones are skipped. */
  appendRowGroup(encoded: EncodedRowGroup): void {
    if (this.closed) throw internal(`append to closed writer ${this.path}`);
    if (encoded.rows === 0) return;
    this.checkColumns(encoded);
    const base = this.position;
    const columns: ColumnChunk[] = encoded.columns.map((c) => {
      const meta: ColumnMetaData = {
        ...c,
        data_page_offset: c.data_page_offset + base,
        ...(c.dictionary_page_offset === undefined ? {} : { dictionary_page_offset: c.dictionary_page_offset + base }),
      };
      return { file_offset: meta.dictionary_page_offset ?? meta.data_page_offset, meta_data: meta };
    });
    this.sink.write(encoded.bytes);
    this.position += encoded.bytes.length;
    const ordinal = this.rowGroups.length;
    this.rowGroups.push({
      columns,
      total_byte_size: encoded.uncompressedSize,
      num_rows: encoded.rows,
      file_offset: base,
      total_compressed_size: encoded.bytes.length,
      // RowGroup.ordinal is an i16.
      ...(ordinal < 0x8000 ? { ordinal } : {}),
    });
    this.records += encoded.rows;
  }

  private checkColumns(encoded: EncodedRowGroup): void {
    if (encoded.columns.length !== this.leaves.length)
      throw internal(`row group has ${encoded.columns.length} columns, the file ${this.leaves.length}`);
    let end = 0;
    for (let i = 0; i < this.leaves.length; i++) {
      const leaf = this.leaves[i] as SchemaLeaf;
      const column = encoded.columns[i] as ColumnMetaData;
      if (column.type !== leaf.type || column.path_in_schema.join('.') !== leaf.path.join('.'))
        throw internal(
          `row group column ${i} is ${column.path_in_schema.join('.')}, the file's ${leaf.path.join('.')}`,
        );
      end = Math.max(end, (column.dictionary_page_offset ?? column.data_page_offset) + column.total_compressed_size);
    }
    if (end > encoded.bytes.length) throw internal('row group metadata points past its bytes');
  }

  /** Writes the footer and closes the sink. */
  close(): ColumnarWriteResult {
    if (this.closed) throw internal(`writer ${this.path} closed twice`);
    this.closed = true;
    const footer = new ByteBuffer(4096);
    writeFileMetaData(footer, {
      version: 2,
      schema: this.schema,
      num_rows: this.records,
      row_groups: this.rowGroups,
      key_value_metadata: Object.entries(this.options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      created_by: CREATED_BY,
      leaf_count: this.leaves.length,
    });
    footer.u32(footer.length);
    footer.append(MAGIC);
    this.sink.write(footer.view());
    this.position += footer.length;
    this.sink.close();
    return { path: this.path, records: this.records, bytes: this.position };
  }

  /** Closes the sink without a footer (the file is then not Parquet: the caller deletes it). */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close();
  }
}

/** A whole Parquet file in memory, one row group per batch. `fields` defaults to the first batch's. */
export function encodeColumnarParquet(
  batches: readonly ColumnarBatch[],
  options: ColumnarParquetOptions & { readonly fields?: readonly Field[] } = {},
): Uint8Array {
  const fields = options.fields ?? batches[0]?.fields;
  if (!fields) throw internal('encodeColumnarParquet needs fields when there are no batches');
  const sink = new MemorySink();
  const writer = new ColumnarParquetWriter(sink, fields, options);
  for (const batch of batches) writer.write(batch);
  writer.close();
  return sink.toBytes();
}
