// The Kinesis adapter against moto's server with the real SDK client. moto never fails part of a PutRecords
// request, so a middleware in the client's own stack makes it do what Kinesis does under throttling: some entries
// are not sent on (so really not stored) and come back with ProvisionedThroughputExceededException in their slot.
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { PutRecordsCommandInput, PutRecordsCommandOutput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import type { InitializeHandler, InitializeHandlerArguments, MetadataBearer } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkRecords, KinesisStream, readKinesisStream } from '../../../src/stream/kinesis.ts';
import { fromKinesisEvent, toKinesisEvent } from '../../../src/stream/lambda-event.ts';
import { startMoto } from '../../helpers/moto.ts';
import type { Moto } from '../../helpers/moto.ts';

let moto: Moto;
let client: KinesisClient;

beforeAll(async () => {
  moto = await startMoto();
  client = new KinesisClient(moto.clientConfig);
});
afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

async function createStream(name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
}

/** A client whose PutRecords calls fail the entries `fail(call, index)` picks, the way Kinesis reports throttling. */
function throttlingClient(fail: (call: number, index: number) => boolean): { client: KinesisClient; calls: number[] } {
  const c = new KinesisClient(moto.clientConfig);
  const calls: number[] = [];
  c.middlewareStack.add(
    (next: InitializeHandler<object, MetadataBearer>, context) => async (args: InitializeHandlerArguments<object>) => {
      if ((context as { commandName?: string }).commandName !== 'PutRecordsCommand') return next(args);
      const call = calls.length;
      const input = args.input as PutRecordsCommandInput;
      const entries = input.Records ?? [];
      calls.push(entries.length);
      const failed = new Set(entries.map((_, i) => i).filter((i) => fail(call, i)));
      const result = await next({ ...args, input: { ...input, Records: entries.filter((_, i) => !failed.has(i)) } });
      const output = result.output as PutRecordsCommandOutput;
      const stored = [...(output.Records ?? [])];
      const merged: PutRecordsResultEntry[] = entries.map((_, i) =>
        failed.has(i)
          ? {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream s under account 123456789012.`,
            }
          : (stored.shift() as PutRecordsResultEntry),
      );
      return { ...result, output: { ...output, FailedRecordCount: failed.size, Records: merged } };
    },
    { step: 'initialize', name: 'throttleSomeEntries' },
  );
  return { client: c, calls };
}

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('KinesisStream on moto', () => {
  it('publishes in ≤500-record requests, re-sends only failed entries, and stores each record exactly once', async () => {
    await createStream('retry-ok', 2);
    // Every third entry fails on the first two attempts of each request; the third attempt succeeds.
    const { client: c, calls } = throttlingClient((call, i) => call % 3 !== 2 && i % 3 === 0);
    const stream = new KinesisStream({ client: c, streamName: 'retry-ok', retry: { minDelayMs: 5, maxDelayMs: 20 } });
    const records = Array.from({ length: 1100 }, (_, i) => ({ partitionKey: `user-${i % 17}`, data: encode(`e${i}`) }));
    const result = await stream.publish(records);
    expect(result.failedCount).toBe(0);
    // Per chunk: all entries, then the third that failed, then the third of those that failed again.
    expect(calls).toEqual([500, 167, 56, 500, 167, 56, 100, 34, 12]);

    const stored = await readKinesisStream(client, 'retry-ok');
    expect(stored.map((r) => Buffer.from(r.data).toString()).sort()).toEqual(records.map((_, i) => `e${i}`).sort());
    // Sequence numbers are unique within a shard (moto numbers each shard from 1).
    const bySeq = new Map(stored.map((r) => [`${r.shardId}/${r.sequenceNumber}`, Buffer.from(r.data).toString()]));
    result.records.forEach((r, i) => {
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(bySeq.get(`${r.shardId}/${r.sequenceNumber}`)).toBe(`e${i}`);
      }
    });
    expect(new Set(stored.map((r) => r.shardId)).size).toBe(2);
    c.destroy();
  });

  it('reports a record that keeps failing as failed — and it is indeed not stored', async () => {
    await createStream('retry-exhausted', 1);
    const { client: c, calls } = throttlingClient((_, i) => i === 0);
    const stream = new KinesisStream({
      client: c,
      streamName: 'retry-exhausted',
      retry: { retries: 2, minDelayMs: 5, maxDelayMs: 10 },
    });
    const result = await stream.publish([
      { partitionKey: 'a', data: encode('doomed') },
      { partitionKey: 'b', data: encode('fine') },
    ]);
    expect(calls).toEqual([2, 1, 1]);
    expect(result.failedCount).toBe(1);
    expect(result.records[0]).toEqual({
      ok: false,
      errorCode: 'ProvisionedThroughputExceededException',
      errorMessage: expect.stringContaining('Rate exceeded'),
    });
    expect(result.records[1]?.ok).toBe(true);
    const stored = await readKinesisStream(client, 'retry-exhausted');
    expect(stored.map((r) => Buffer.from(r.data).toString())).toEqual(['fine']);
    c.destroy();
  });

  it('does not retry an error no retry can fix, and reports every record failed with its code', async () => {
    const { client: c, calls } = throttlingClient(() => false);
    const stream = new KinesisStream({ client: c, streamName: 'no-such-stream', retry: { minDelayMs: 5 } });
    const result = await stream.publish([{ partitionKey: 'a', data: encode('x') }]);
    expect(calls).toEqual([1]);
    expect(result.records).toEqual([
      { ok: false, errorCode: 'ResourceNotFoundException', errorMessage: expect.any(String) },
    ]);
    expect((await stream.health()).ok).toBe(false);
    c.destroy();
  });

  it('reports health from DescribeStreamSummary and rejects oversized records before sending', async () => {
    await createStream('healthy', 1);
    const stream = new KinesisStream({ client, streamName: 'healthy' });
    expect(await stream.health()).toEqual({
      ok: true,
      detail: { kind: 'kinesis', stream: 'healthy', status: 'ACTIVE', shards: 1 },
    });
    await expect(stream.publish([{ partitionKey: 'k', data: new Uint8Array(1024 * 1024) }])).rejects.toThrow(
      /over the 1048576-byte limit/,
    );
    await expect(stream.publish([{ partitionKey: '', data: encode('x') }])).rejects.toThrow(/partitionKey/);
  });

  it('reads records back into a Lambda event and out again unchanged', async () => {
    await createStream('roundtrip', 1);
    const stream = new KinesisStream({ client, streamName: 'roundtrip' });
    await stream.publish([{ partitionKey: 'p', data: new Uint8Array([0, 1, 2, 250]) }]);
    const stored = await readKinesisStream(client, 'roundtrip');
    const event = toKinesisEvent(stored, { streamName: 'roundtrip' });
    expect(event.Records[0]?.kinesis.sequenceNumber).toBe(stored[0]?.sequenceNumber);
    const back = fromKinesisEvent(event);
    expect([...(back[0]?.data ?? [])]).toEqual([0, 1, 2, 250]);
    expect(back[0]?.shardId).toBe(stored[0]?.shardId);
  });
});

describe('chunkRecords', () => {
  it('splits at 500 entries and at 5 MiB', () => {
    const tiny = Array.from({ length: 1100 }, () => ({ partitionKey: 'k', data: new Uint8Array(1) }));
    expect(chunkRecords(tiny).map((c) => c.length)).toEqual([500, 500, 100]);
    const big = Array.from({ length: 12 }, () => ({ partitionKey: 'k', data: new Uint8Array(1024 * 1024 - 1) }));
    expect(chunkRecords(big).map((c) => c.length)).toEqual([5, 5, 2]);
  });
});
