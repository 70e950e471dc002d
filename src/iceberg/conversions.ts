// Iceberg's single-value binary serialisation (spec Appendix D), used for column bounds in manifests and for
// partition bounds in manifest lists: little-endian ints, longs and doubles, UTF-8 strings, and decimals as the
// unscaled value in big-endian two's complement using the minimum number of bytes.
import { LakehouseError } from '../errors.ts';
import type { IcebergType } from './types.ts';

export function toBytes(type: IcebergType, value: unknown): Uint8Array {
  if (typeof type !== 'string') throw new LakehouseError('INTERNAL', 'bounds are only kept for primitive types');
  if (type.startsWith('decimal')) return decimalBytes(value as bigint);
  const buffer = Buffer.alloc(8);
  switch (type) {
    case 'boolean':
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date':
      buffer.writeInt32LE(value as number);
      return new Uint8Array(buffer.subarray(0, 4));
    case 'long':
    case 'timestamptz':
    case 'timestamp':
      buffer.writeBigInt64LE(BigInt(value as bigint | number));
      return new Uint8Array(buffer);
    case 'double':
      buffer.writeDoubleLE(value as number);
      return new Uint8Array(buffer);
    case 'float':
      buffer.writeFloatLE(value as number);
      return new Uint8Array(buffer.subarray(0, 4));
    case 'string':
      return new Uint8Array(Buffer.from(value as string, 'utf8'));
    default:
      throw new LakehouseError('UNSUPPORTED_FORMAT', `no binary serialisation for type "${type}"`);
  }
}

export function fromBytes(type: IcebergType, bytes: Uint8Array): number | bigint | string | boolean {
  if (typeof type !== 'string') throw new LakehouseError('INTERNAL', 'bounds are only kept for primitive types');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type.startsWith('decimal')) return decimalFromBytes(bytes);
  switch (type) {
    case 'boolean':
      return buffer[0] !== 0;
    case 'int':
    case 'date':
      return buffer.readInt32LE(0);
    case 'long':
    case 'timestamptz':
    case 'timestamp':
      return buffer.readBigInt64LE(0);
    case 'double':
      return buffer.readDoubleLE(0);
    case 'float':
      return buffer.readFloatLE(0);
    case 'string':
      return buffer.toString('utf8');
    default:
      throw new LakehouseError('UNSUPPORTED_FORMAT', `no binary serialisation for type "${type}"`);
  }
}

/** Minimum-length big-endian two's complement of an unscaled decimal. */
export function decimalBytes(unscaled: bigint): Uint8Array {
  let length = 1;
  while (unscaled < -(1n << BigInt(8 * length - 1)) || unscaled >= 1n << BigInt(8 * length - 1)) length++;
  const out = new Uint8Array(length);
  let v = BigInt.asUintN(8 * length, unscaled);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function decimalFromBytes(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(8 * bytes.length, v);
}

/** Orders two values of one primitive type the way Iceberg compares them (strings by UTF-8 bytes). */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return (a as number | bigint) < (b as number | bigint) ? -1 : (a as number | bigint) > (b as number | bigint) ? 1 : 0;
}

const TRUNCATE = 16;

/** String lower bound truncated to 16 code points: a prefix is always ≤ the value (spec `truncate[16]` metrics). */
export function truncateLower(value: string): string {
  const points = [...value];
  return points.length <= TRUNCATE ? value : points.slice(0, TRUNCATE).join('');
}

/** String upper bound truncated to 16 code points, with its last code point incremented; undefined if impossible. */
export function truncateUpper(value: string): string | undefined {
  const points = [...value];
  if (points.length <= TRUNCATE) return value;
  const kept = points.slice(0, TRUNCATE);
  for (let i = kept.length - 1; i >= 0; i--) {
    const cp = (kept[i] as string).codePointAt(0) as number;
    let next = cp + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return kept.slice(0, i).join('') + String.fromCodePoint(next);
  }
  return undefined;
}
