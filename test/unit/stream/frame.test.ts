import { describe, expect, it } from 'vitest';
import { decodeFrame, frameSize, writeFrame } from '../../../src/stream/frame.ts';

function frame(offset: number, key: string, data: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const buf = Buffer.alloc(frameSize(k.length, data.byteLength));
  expect(writeFrame(buf, 0, offset, 1_700_000_000_123, k, data)).toBe(buf.length);
  return buf;
}

describe('frame', () => {
  it('round-trips offset, timestamp, key and data, including offsets past 2^32', () => {
    const data = Buffer.from('{"a":1}');
    const buf = frame(2 ** 40 + 7, 'user-ä', data);
    const r = decodeFrame(buf, 0);
    expect(r.kind).toBe('record');
    if (r.kind !== 'record') return;
    expect(r.record.offset).toBe(2 ** 40 + 7);
    expect(r.record.timestampMs).toBe(1_700_000_000_123);
    expect(r.record.partitionKey).toBe('user-ä');
    expect(Buffer.from(r.record.data).toString()).toBe('{"a":1}');
    expect(r.next).toBe(buf.length);
  });

  it('reports every proper prefix as incomplete', () => {
    const buf = frame(1, 'k', Buffer.from('hello world'));
    for (let n = 0; n < buf.length; n++) expect(decodeFrame(buf.subarray(0, n), 0).kind).toBe('incomplete');
  });

  it('detects any single flipped bit in the body as corruption', () => {
    const buf = frame(3, 'key', Buffer.from('payload bytes'));
    for (let byte = 8; byte < buf.length; byte++) {
      const copy = Buffer.from(buf);
      copy[byte] = (copy[byte] as number) ^ 0x10;
      expect(decodeFrame(copy, 0).kind, `byte ${byte}`).toBe('corrupt');
    }
  });

  it('treats a zeroed header (a hole left by a crash) and absurd lengths as corruption', () => {
    expect(decodeFrame(Buffer.alloc(64), 0)).toMatchObject({ kind: 'corrupt' });
    const huge = Buffer.alloc(16);
    huge.writeUInt32LE(0xffffffff, 0);
    expect(decodeFrame(huge, 0)).toMatchObject({ kind: 'corrupt', reason: expect.stringContaining('out of range') });
  });
});
