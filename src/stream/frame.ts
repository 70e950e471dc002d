// The on-disk record framing of the local log. One frame per record, little-endian:
//
//   u32 bodyLength | u32 crc32(body) | body
//   body = u32 offsetHigh | u32 offsetLow | f64 timestampMs | u16 keyLength | key (UTF-8) | data
//
// The length lets a reader skip to the next frame; the CRC tells a torn or garbled tail (after a crash) from a
// real record; the offset inside the body lets recovery check that frames are consecutive, so a stale frame left
// behind a truncation can never be mistaken for a new one.
import { crc32 } from 'node:zlib';
import { MAX_RECORD_BYTES } from './types.ts';

export const FRAME_HEADER_BYTES = 8;
const BODY_FIXED_BYTES = 4 + 4 + 8 + 2;
/** Largest body a valid frame can have; anything larger is corruption, not a record. */
const MAX_BODY_BYTES = BODY_FIXED_BYTES + MAX_RECORD_BYTES + 4 * 256;

export interface FrameRecord {
  readonly offset: number;
  readonly timestampMs: number;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export function frameSize(keyBytes: number, dataBytes: number): number {
  return FRAME_HEADER_BYTES + BODY_FIXED_BYTES + keyBytes + dataBytes;
}

/** Writes one frame at `pos` of `target` (which must have room: see `frameSize`) and returns the position after it. */
export function writeFrame(
  target: Buffer,
  pos: number,
  offset: number,
  timestampMs: number,
  key: Buffer,
  data: Uint8Array,
): number {
  const bodyStart = pos + FRAME_HEADER_BYTES;
  let p = bodyStart;
  target.writeUInt32LE(Math.floor(offset / 0x1_0000_0000), p);
  target.writeUInt32LE(offset >>> 0, p + 4);
  target.writeDoubleLE(timestampMs, p + 8);
  target.writeUInt16LE(key.length, p + 16);
  p += BODY_FIXED_BYTES;
  key.copy(target, p);
  p += key.length;
  target.set(data, p);
  p += data.byteLength;
  target.writeUInt32LE(p - bodyStart, pos);
  target.writeUInt32LE(crc32(target.subarray(bodyStart, p)), pos + 4);
  return p;
}

export type DecodeResult =
  | { readonly kind: 'record'; readonly record: FrameRecord; readonly next: number }
  /** The buffer ends inside the frame: read more bytes (or, at the end of a file, it is a torn tail). */
  | { readonly kind: 'incomplete'; readonly needed: number }
  | { readonly kind: 'corrupt'; readonly reason: string };

/**
 * Decodes the frame starting at `pos`. `data` of the result is a view into `source`, not a copy: callers that reuse
 * `source` must copy it.
 */
export function decodeFrame(source: Buffer, pos: number): DecodeResult {
  if (source.length - pos < FRAME_HEADER_BYTES) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES };
  const bodyLength = source.readUInt32LE(pos);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES) {
    return { kind: 'corrupt', reason: `frame length ${bodyLength} is out of range` };
  }
  const bodyStart = pos + FRAME_HEADER_BYTES;
  const end = bodyStart + bodyLength;
  if (end > source.length) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES + bodyLength };
  const body = source.subarray(bodyStart, end);
  if (crc32(body) !== source.readUInt32LE(pos + 4)) return { kind: 'corrupt', reason: 'CRC mismatch' };
  const offset = body.readUInt32LE(0) * 0x1_0000_0000 + body.readUInt32LE(4);
  const timestampMs = body.readDoubleLE(8);
  const keyLength = body.readUInt16LE(16);
  if (BODY_FIXED_BYTES + keyLength > bodyLength) return { kind: 'corrupt', reason: 'key longer than frame' };
  const partitionKey = body.toString('utf8', BODY_FIXED_BYTES, BODY_FIXED_BYTES + keyLength);
  const data = body.subarray(BODY_FIXED_BYTES + keyLength);
  return { kind: 'record', record: { offset, timestampMs, partitionKey, data }, next: end };
}
