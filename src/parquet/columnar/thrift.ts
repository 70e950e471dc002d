// A minimal Thrift compact-protocol writer for the Parquet structs this encoder emits (parquet.thrift): the file
// footer (FileMetaData and what it contains) and page headers. Written by hand rather than reusing
// hyparquet-writer's serializer, which its package exports do not expose. Structs are plain objects with the
// thrift field names so that an encoded row group's column metadata can cross worker threads as is.
import type { LogicalType, SchemaElement } from 'hyparquet';
import type { ByteBuffer } from './bytes.ts';

// Enum values from parquet.thrift (const objects, not TS enums: the code is run by type stripping).
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;
export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, BIT_PACKED: 4, RLE_DICTIONARY: 8 } as const;
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, ZSTD: 6 } as const;
export const PageType = { DATA_PAGE: 0, INDEX_PAGE: 1, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const;

const REPETITION: Record<string, number> = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 };
const CONVERTED: Record<string, number> = {
  UTF8: 0,
  MAP: 1,
  MAP_KEY_VALUE: 2,
  LIST: 3,
  ENUM: 4,
  DECIMAL: 5,
  DATE: 6,
  TIME_MILLIS: 7,
  TIME_MICROS: 8,
  TIMESTAMP_MILLIS: 9,
  TIMESTAMP_MICROS: 10,
  UINT_8: 11,
  UINT_16: 12,
  UINT_32: 13,
  UINT_64: 14,
  INT_8: 15,
  INT_16: 16,
  INT_32: 17,
  INT_64: 18,
  JSON: 19,
  BSON: 20,
  INTERVAL: 21,
};

export interface Statistics {
  /** Deprecated signed-order bounds; only for types whose order is signed (older readers use nothing else). */
  readonly max?: Uint8Array;
  readonly min?: Uint8Array;
  readonly null_count?: number;
  readonly max_value?: Uint8Array;
  readonly min_value?: Uint8Array;
}

export interface KeyValue {
  readonly key: string;
  readonly value?: string;
}

export interface PageEncodingStats {
  readonly page_type: number;
  readonly encoding: number;
  readonly count: number;
}

export interface ColumnMetaData {
  readonly type: number;
  readonly encodings: readonly number[];
  readonly path_in_schema: readonly string[];
  readonly codec: number;
  readonly num_values: number;
  readonly total_uncompressed_size: number;
  readonly total_compressed_size: number;
  readonly data_page_offset: number;
  readonly dictionary_page_offset?: number;
  readonly statistics?: Statistics;
  readonly encoding_stats?: readonly PageEncodingStats[];
}

export interface ColumnChunk {
  /** Deprecated by the spec; set to where the chunk's first page starts, as other writers do. */
  readonly file_offset: number;
  readonly meta_data: ColumnMetaData;
}

export interface RowGroup {
  readonly columns: readonly ColumnChunk[];
  readonly total_byte_size: number;
  readonly num_rows: number;
  readonly file_offset?: number;
  readonly total_compressed_size?: number;
  readonly ordinal?: number;
}

export interface FileMetaData {
  readonly version: number;
  readonly schema: readonly SchemaElement[];
  readonly num_rows: number;
  readonly row_groups: readonly RowGroup[];
  readonly key_value_metadata?: readonly KeyValue[];
  readonly created_by?: string;
  /** Leaf columns: each gets TYPE_ORDER, declaring that min_value/max_value follow the type's sort order. */
  readonly leaf_count?: number;
}

export interface DataPageHeader {
  readonly num_values: number;
  readonly encoding: number;
  readonly definition_level_encoding: number;
  readonly repetition_level_encoding: number;
}

export interface DataPageHeaderV2 {
  readonly num_values: number;
  readonly num_nulls: number;
  readonly num_rows: number;
  readonly encoding: number;
  readonly definition_levels_byte_length: number;
  readonly repetition_levels_byte_length: number;
  readonly is_compressed?: boolean;
}

export interface DictionaryPageHeader {
  readonly num_values: number;
  readonly encoding: number;
  readonly is_sorted?: boolean;
}

export interface PageHeader {
  readonly type: number;
  readonly uncompressed_page_size: number;
  readonly compressed_page_size: number;
  readonly data_page_header?: DataPageHeader;
  readonly dictionary_page_header?: DictionaryPageHeader;
  readonly data_page_header_v2?: DataPageHeaderV2;
}

// Compact-protocol type codes.
const T_TRUE = 1;
const T_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_BINARY = 8;
const T_LIST = 9;
const T_STRUCT = 12;

const utf8 = new TextEncoder();

/** Field-by-field compact-protocol output; fields must be written in increasing id order within a struct. */
export class CompactWriter {
  readonly out: ByteBuffer;
  private last = 0;
  private readonly stack: number[] = [];

  constructor(out: ByteBuffer) {
    this.out = out;
  }

  private header(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.u8((delta << 4) | type);
    else {
      this.out.u8(type);
      this.zigzag(id);
    }
    this.last = id;
  }

  private zigzag(value: number): void {
    this.out.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  i32(id: number, value: number): void {
    this.header(id, T_I32);
    this.zigzag(value);
  }

  /** i64 from a JS number: offsets and sizes stay far below 2^53. */
  i64(id: number, value: number): void {
    this.header(id, T_I64);
    this.zigzag(value);
  }

  i16(id: number, value: number): void {
    this.header(id, T_I16);
    this.zigzag(value);
  }

  i8(id: number, value: number): void {
    this.header(id, T_BYTE);
    this.out.u8(value & 0xff);
  }

  bool(id: number, value: boolean): void {
    this.header(id, value ? T_TRUE : T_FALSE);
  }

  binary(id: number, value: Uint8Array): void {
    this.header(id, T_BINARY);
    this.out.varint(value.length);
    this.out.append(value);
  }

  string(id: number, value: string): void {
    this.binary(id, utf8.encode(value));
  }

  beginStruct(id: number): void {
    this.header(id, T_STRUCT);
    this.stack.push(this.last);
    this.last = 0;
  }

  endStruct(): void {
    this.out.u8(0);
    this.last = this.stack.pop() ?? 0;
  }

  /** An empty struct field (the members of the LogicalType and ColumnOrder unions that carry no data). */
  emptyStruct(id: number): void {
    this.beginStruct(id);
    this.endStruct();
  }

  /** A list header; the caller then writes `size` elements with the element methods below. */
  beginList(id: number, elementType: number, size: number): void {
    this.header(id, T_LIST);
    if (size < 15) this.out.u8((size << 4) | elementType);
    else {
      this.out.u8(0xf0 | elementType);
      this.out.varint(size);
    }
  }

  listI32(id: number, values: readonly number[]): void {
    this.beginList(id, T_I32, values.length);
    for (const v of values) this.zigzag(v);
  }

  listString(id: number, values: readonly string[]): void {
    this.beginList(id, T_BINARY, values.length);
    for (const v of values) {
      const bytes = utf8.encode(v);
      this.out.varint(bytes.length);
      this.out.append(bytes);
    }
  }

  /** Starts a struct that is a list element (no field header); `endStruct` closes it. */
  beginElement(): void {
    this.stack.push(this.last);
    this.last = 0;
  }
}

function writeStatistics(w: CompactWriter, id: number, s: Statistics): void {
  w.beginStruct(id);
  if (s.max) w.binary(1, s.max);
  if (s.min) w.binary(2, s.min);
  if (s.null_count !== undefined) w.i64(3, s.null_count);
  if (s.max_value) w.binary(5, s.max_value);
  if (s.min_value) w.binary(6, s.min_value);
  w.endStruct();
}

function writeLogicalType(w: CompactWriter, id: number, t: LogicalType): void {
  w.beginStruct(id);
  switch (t.type) {
    case 'STRING':
      w.emptyStruct(1);
      break;
    case 'MAP':
      w.emptyStruct(2);
      break;
    case 'LIST':
      w.emptyStruct(3);
      break;
    case 'ENUM':
      w.emptyStruct(4);
      break;
    case 'DECIMAL':
      w.beginStruct(5);
      w.i32(1, t.scale);
      w.i32(2, t.precision);
      w.endStruct();
      break;
    case 'DATE':
      w.emptyStruct(6);
      break;
    case 'TIME':
    case 'TIMESTAMP':
      w.beginStruct(t.type === 'TIME' ? 7 : 8);
      w.bool(1, t.isAdjustedToUTC);
      w.beginStruct(2);
      w.emptyStruct(t.unit === 'MILLIS' ? 1 : t.unit === 'MICROS' ? 2 : 3);
      w.endStruct();
      w.endStruct();
      break;
    case 'INTEGER':
      w.beginStruct(10);
      w.i8(1, t.bitWidth);
      w.bool(2, t.isSigned);
      w.endStruct();
      break;
    case 'JSON':
      w.emptyStruct(12);
      break;
    case 'BSON':
      w.emptyStruct(13);
      break;
    case 'UUID':
      w.emptyStruct(14);
      break;
    case 'FLOAT16':
      w.emptyStruct(15);
      break;
    default:
      throw new Error(`logical type ${t.type} is not written by the columnar encoder`);
  }
  w.endStruct();
}

function writeSchemaElement(w: CompactWriter, e: SchemaElement): void {
  w.beginElement();
  if (e.type !== undefined) w.i32(1, PhysicalType[e.type]);
  if (e.type_length !== undefined) w.i32(2, e.type_length);
  if (e.repetition_type !== undefined) w.i32(3, REPETITION[e.repetition_type] ?? 0);
  w.string(4, e.name);
  if (e.num_children !== undefined) w.i32(5, e.num_children);
  if (e.converted_type !== undefined) {
    const converted = CONVERTED[e.converted_type];
    if (converted === undefined) throw new Error(`converted type ${e.converted_type} is not written`);
    w.i32(6, converted);
  }
  if (e.scale !== undefined) w.i32(7, e.scale);
  if (e.precision !== undefined) w.i32(8, e.precision);
  if (e.field_id !== undefined) w.i32(9, e.field_id);
  if (e.logical_type !== undefined) writeLogicalType(w, 10, e.logical_type);
  w.endStruct();
}

function writeColumnMetaData(w: CompactWriter, id: number, m: ColumnMetaData): void {
  w.beginStruct(id);
  w.i32(1, m.type);
  w.listI32(2, m.encodings);
  w.listString(3, m.path_in_schema);
  w.i32(4, m.codec);
  w.i64(5, m.num_values);
  w.i64(6, m.total_uncompressed_size);
  w.i64(7, m.total_compressed_size);
  w.i64(9, m.data_page_offset);
  if (m.dictionary_page_offset !== undefined) w.i64(11, m.dictionary_page_offset);
  if (m.statistics) writeStatistics(w, 12, m.statistics);
  if (m.encoding_stats) {
    w.beginList(13, T_STRUCT, m.encoding_stats.length);
    for (const s of m.encoding_stats) {
      w.beginElement();
      w.i32(1, s.page_type);
      w.i32(2, s.encoding);
      w.i32(3, s.count);
      w.endStruct();
    }
  }
  w.endStruct();
}

/** Serialises the file footer (without the trailing length and magic). */
export function writeFileMetaData(out: ByteBuffer, meta: FileMetaData): void {
  const w = new CompactWriter(out);
  w.i32(1, meta.version);
  w.beginList(2, T_STRUCT, meta.schema.length);
  for (const element of meta.schema) writeSchemaElement(w, element);
  w.i64(3, meta.num_rows);
  w.beginList(4, T_STRUCT, meta.row_groups.length);
  for (const group of meta.row_groups) {
    w.beginElement();
    w.beginList(1, T_STRUCT, group.columns.length);
    for (const chunk of group.columns) {
      w.beginElement();
      w.i64(2, chunk.file_offset);
      writeColumnMetaData(w, 3, chunk.meta_data);
      w.endStruct();
    }
    w.i64(2, group.total_byte_size);
    w.i64(3, group.num_rows);
    if (group.file_offset !== undefined) w.i64(5, group.file_offset);
    if (group.total_compressed_size !== undefined) w.i64(6, group.total_compressed_size);
    if (group.ordinal !== undefined) w.i16(7, group.ordinal);
    w.endStruct();
  }
  if (meta.key_value_metadata) {
    w.beginList(5, T_STRUCT, meta.key_value_metadata.length);
    for (const kv of meta.key_value_metadata) {
      w.beginElement();
      w.string(1, kv.key);
      if (kv.value !== undefined) w.string(2, kv.value);
      w.endStruct();
    }
  }
  if (meta.created_by !== undefined) w.string(6, meta.created_by);
  if (meta.leaf_count !== undefined) {
    // ColumnOrder is a union whose only member, TYPE_ORDER (1), is an empty struct.
    w.beginList(7, T_STRUCT, meta.leaf_count);
    for (let i = 0; i < meta.leaf_count; i++) {
      w.beginElement();
      w.emptyStruct(1);
      w.endStruct();
    }
  }
  out.u8(0);
}

/** Serialises a page header; the page body follows it directly. */
export function writePageHeader(out: ByteBuffer, h: PageHeader): void {
  const w = new CompactWriter(out);
  w.i32(1, h.type);
  w.i32(2, h.uncompressed_page_size);
  w.i32(3, h.compressed_page_size);
  const d = h.data_page_header;
  if (d) {
    w.beginStruct(5);
    w.i32(1, d.num_values);
    w.i32(2, d.encoding);
    w.i32(3, d.definition_level_encoding);
    w.i32(4, d.repetition_level_encoding);
    w.endStruct();
  }
  const dict = h.dictionary_page_header;
  if (dict) {
    w.beginStruct(7);
    w.i32(1, dict.num_values);
    w.i32(2, dict.encoding);
    if (dict.is_sorted !== undefined) w.bool(3, dict.is_sorted);
    w.endStruct();
  }
  const v2 = h.data_page_header_v2;
  if (v2) {
    w.beginStruct(8);
    w.i32(1, v2.num_values);
    w.i32(2, v2.num_nulls);
    w.i32(3, v2.num_rows);
    w.i32(4, v2.encoding);
    w.i32(5, v2.definition_levels_byte_length);
    w.i32(6, v2.repetition_levels_byte_length);
    if (v2.is_compressed !== undefined) w.bool(7, v2.is_compressed);
    w.endStruct();
  }
  out.u8(0);
}
