// Avro object container files for manifests and manifest lists. avsc encodes and decodes the records (with a
// long type carried as bigint, so 64-bit snapshot ids survive), but it drops field-level attributes such as
// Iceberg's `field-id` when it re-exports a schema — so the container (header with our exact schema JSON,
// deflate blocks, sync markers) is assembled here from avsc-encoded parts. Proven by fastavro in the tests.
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avro from 'avsc';
import { LakehouseError } from '../errors.ts';

/** Avro `long` as bigint, exact over the full 64-bit range. */
const BigIntLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

export type AvroSchema = Record<string, unknown>;

export function avroType(schema: AvroSchema): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { registry: { long: BigIntLong }, wrapUnions: false });
}

const MAGIC = Buffer.from('Obj\x01', 'latin1');
const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const LONG = avro.Type.forSchema('long');

/** Encodes records into one Avro container file. `metadata` goes into the header next to avro.schema/codec. */
export function writeAvroContainer(
  schema: AvroSchema,
  records: readonly unknown[],
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const type = avroType(schema);
  const sync = randomBytes(16);
  const meta: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(metadata)) meta[key] = Buffer.from(value, 'utf8');
  meta['avro.schema'] = Buffer.from(JSON.stringify(schema), 'utf8');
  meta['avro.codec'] = Buffer.from('deflate', 'utf8');
  const parts: Buffer[] = [HEADER.toBuffer({ magic: MAGIC, meta, sync })];
  const BLOCK = 1000;
  for (let start = 0; start < records.length; start += BLOCK) {
    const block = records.slice(start, start + BLOCK);
    const encoded = block.map((record) => {
      const errors: string[] = [];
      if (!type.isValid(record, { errorHook: (path) => errors.push(path.join('.')) })) {
        throw new LakehouseError('INTERNAL', `invalid Avro record at ${errors.join(', ')}`, { errors });
      }
      return type.toBuffer(record);
    });
    const data = deflateRawSync(Buffer.concat(encoded));
    parts.push(LONG.toBuffer(block.length), LONG.toBuffer(data.length), data, sync);
  }
  return new Uint8Array(Buffer.concat(parts));
}

export interface AvroContainer {
  readonly metadata: Record<string, string>;
  readonly schema: AvroSchema;
  readonly records: unknown[];
}

/** Reads a container written by us or by another Iceberg writer (codec null or deflate), with its writer schema. */
export function readAvroContainer(bytes: Uint8Array, path = '<avro>'): AvroContainer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, 4).equals(MAGIC)) throw new LakehouseError('PARSE', `${path} is not an Avro container file`);
  const header: { value: { meta: Record<string, Buffer> }; offset: number } = HEADER.decode(buf, 0);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header.value.meta)) metadata[key] = value.toString('utf8');
  const schema = JSON.parse(metadata['avro.schema'] ?? 'null') as AvroSchema;
  const codec = metadata['avro.codec'] ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') {
    throw new LakehouseError('UNSUPPORTED_FORMAT', `${path}: unsupported Avro codec "${codec}"`);
  }
  const type = avroType(schema);
  const records: unknown[] = [];
  let offset = header.offset;
  while (offset < buf.length) {
    const count: { value: number; offset: number } = LONG.decode(buf, offset);
    const size: { value: number; offset: number } = LONG.decode(buf, count.offset);
    const start = size.offset;
    const raw = buf.subarray(start, start + size.value);
    const data = codec === 'deflate' ? inflateRawSync(raw) : raw;
    let pos = 0;
    for (let i = 0; i < count.value; i++) {
      const decoded: { value: unknown; offset: number } = type.decode(data, pos);
      if (decoded.offset < 0) throw new LakehouseError('PARSE', `${path}: truncated Avro block`);
      records.push(decoded.value);
      pos = decoded.offset;
    }
    offset = start + size.value + 16;
  }
  return { metadata, schema, records };
}
