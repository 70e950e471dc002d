import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatSequenceNumber,
  LOCAL_SHARD_ID,
  LocalStream,
  localStreamDir,
  parseSequenceNumber,
} from '../../../src/stream/local.ts';
import { LogLockedError } from '../../../src/stream/log.ts';
import { tempDirs, text } from './helpers.ts';

const tempDir = tempDirs('local-stream-');

describe('LocalStream', () => {
  it('reports each record stored with its sequence number and the single shard', async () => {
    const warehouse = await tempDir();
    const stream = await LocalStream.open(warehouse, 'events');
    expect(stream.dir).toBe(join(warehouse, 'stream', 'events'));
    const first = await stream.publish([
      { partitionKey: 'a', data: text('1') },
      { partitionKey: 'b', data: text('2') },
    ]);
    const second = await stream.publish([{ partitionKey: 'a', data: text('3') }]);
    expect(first).toEqual({
      failedCount: 0,
      records: [
        { ok: true, sequenceNumber: '00000000000000000000', shardId: LOCAL_SHARD_ID },
        { ok: true, sequenceNumber: '00000000000000000001', shardId: LOCAL_SHARD_ID },
      ],
    });
    expect(second.records[0]).toEqual({ ok: true, sequenceNumber: '00000000000000000002', shardId: LOCAL_SHARD_ID });
    expect(await stream.health()).toEqual({
      ok: true,
      detail: { kind: 'local', stream: 'events', dir: stream.dir, nextSequenceNumber: '00000000000000000003' },
    });
    await stream.close();
  });

  it('refuses records Kinesis would refuse, before storing anything', async () => {
    const warehouse = await tempDir();
    const stream = await LocalStream.open(warehouse, 'events');
    await expect(stream.publish([{ partitionKey: '', data: text('x') }])).rejects.toThrow(/record 0: partitionKey/);
    await expect(
      stream.publish([
        { partitionKey: 'ok', data: text('x') },
        { partitionKey: 'k'.repeat(257), data: text('x') },
      ]),
    ).rejects.toThrow(/record 1: partitionKey/);
    await expect(stream.publish([{ partitionKey: 'k', data: new Uint8Array(1024 * 1024) }])).rejects.toThrow(
      /record 0: data plus partition key is 1048577 bytes/,
    );
    expect((await stream.health()).detail.nextSequenceNumber).toBe('00000000000000000000');
    await stream.close();
  });

  it('has one publishing process per stream, and validates names', async () => {
    const warehouse = await tempDir();
    const stream = await LocalStream.open(warehouse, 'events');
    await expect(LocalStream.open(warehouse, 'events')).rejects.toThrow(LogLockedError);
    await stream.close();
    const again = await LocalStream.open(warehouse, 'events');
    await again.close();
    expect(() => localStreamDir(warehouse, 'a/b')).toThrow(/invalid stream name/);
    expect(() => localStreamDir(warehouse, '..')).toThrow(/invalid stream name/);
  });

  it('formats and parses sequence numbers', () => {
    expect(formatSequenceNumber(42)).toBe('00000000000000000042');
    expect(parseSequenceNumber('00000000000000000042')).toBe(42);
    expect(() => parseSequenceNumber('4x')).toThrow(/not a local sequence number/);
  });
});
