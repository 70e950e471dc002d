// Reads our data files back into normalised columns (for compaction). Columns are matched to the table schema by
// field id; logical annotations are stripped from the footer before decoding so that timestamps, dates and
// decimals arrive as their raw integers (hyparquet would otherwise turn them into Dates and floats) and are
// normalised exactly. Columns a file lacks (added by schema evolution later) read as null.
import { parquetMetadata, parquetReadObjects, type FileMetaData, type SchemaElement } from 'hyparquet';
import type { Field, FieldType } from '../contracts/model.ts';
import { parquetCompressors } from '../parquet/codecs.ts';
import type { Normalised, NormalisedStruct } from '../records/values.ts';
import { decimalFromBytes } from './conversions.ts';

function rawSchema(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((e): SchemaElement => {
    const isString = e.converted_type === 'UTF8' || e.logical_type?.type === 'STRING';
    const isList = e.converted_type === 'LIST' || e.logical_type?.type === 'LIST';
    if (isString || isList || !e.type) return e;
    const { converted_type: _c, logical_type: _l, ...rest } = e;
    void _c;
    void _l;
    return rest;
  });
  return { ...metadata, schema };
}

function normaliseRaw(type: FieldType, value: unknown): Normalised {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'long':
    case 'timestamp':
      return BigInt(value as bigint | number);
    case 'int':
    case 'date':
      return Number(value);
    case 'decimal':
      return value instanceof Uint8Array ? decimalFromBytes(value) : BigInt(value as bigint | number);
    case 'struct': {
      const source = value as Record<string, unknown>;
      const out: NormalisedStruct = {};
      for (const member of type.fields) out[member.name] = normaliseRaw(member.type, source[member.name]);
      return out;
    }
    case 'list':
      return (value as unknown[]).map((v) => normaliseRaw(type.element.type, v));
    default:
      return value as Normalised;
  }
}

/** A data file as columns of normalised values keyed by the table's column names. */
export async function readDataFile(
  bytes: Uint8Array,
  fields: readonly Field[],
): Promise<{ rows: number; columns: Map<string, Normalised[]> }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = rawSchema(parquetMetadata(file));
  // Top-level column name in the file, by field id (renames keep ids).
  const names = new Map<number, string>();
  let index = 1;
  const skip = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const e = metadata.schema[index++];
      if (e?.num_children) skip(e.num_children);
    }
  };
  for (let i = 0; i < (metadata.schema[0]?.num_children ?? 0); i++) {
    const e = metadata.schema[index++];
    if (!e) break;
    if (e.field_id !== undefined) names.set(e.field_id, e.name);
    if (e.num_children) skip(e.num_children);
  }
  const rows = (await parquetReadObjects({ file, metadata, compressors: parquetCompressors })) as Record<
    string,
    unknown
  >[];
  const columns = new Map<string, Normalised[]>();
  for (const field of fields) {
    const name = names.get(field.id);
    columns.set(
      field.name,
      rows.map((row) => (name === undefined ? null : normaliseRaw(field.type, row[name]))),
    );
  }
  return { rows: rows.length, columns };
}
