import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { Consumer, readDeadLetters } from '../../../src/stream/consumer.ts';
import { fromKinesisEvent, lambdaBatchHandler, toKinesisEvent } from '../../../src/stream/lambda-event.ts';
import { LocalStream } from '../../../src/stream/local.ts';
import { LogReader } from '../../../src/stream/log.ts';
import type { BatchHandler, ConsumedRecord } from '../../../src/stream/types.ts';
import { decode, tempDirs, text } from './helpers.ts';

const tempDir = tempDirs('consumer-');

async function streamWith(count: number, name = 'events'): Promise<{ warehouse: string; stream: LocalStream }> {
  const warehouse = await tempDir();
  const stream = await LocalStream.open(warehouse, name);
  if (count > 0) {
    const result = await stream.publish(
      Array.from({ length: count }, (_, i) => ({ partitionKey: `k${i % 3}`, data: text(`r${i}`) })),
    );
    expect(result.failedCount).toBe(0);
  }
  return { warehouse, stream };
}

const payloads = (batch: readonly ConsumedRecord[]): string[] => batch.map((r) => decode(r.data));

describe('Consumer', () => {
  it('delivers in order in batches of at most batchSize and checkpoints after each', async () => {
    const { warehouse, stream } = await streamWith(25);
    const batches: string[][] = [];
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 10,
      maxBatchingWindowMs: 0,
      handler: (batch) => {
        batches.push(payloads(batch));
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    const outcomes = await consumer.drain();
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
    expect(outcomes.map((o) => o.nextOffset)).toEqual([10, 20, 25]);
    const checkpoint = JSON.parse(await readFile(consumer.checkpointPath, 'utf8'));
    expect(checkpoint).toMatchObject({
      consumer: 'processor',
      nextOffset: 25,
      nextSequenceNumber: '00000000000000000025',
    });
    expect(consumer.checkpointPath).toBe(join(warehouse, 'stream', 'events', 'checkpoint-processor.json'));
    await consumer.close();
    await stream.close();
  });

  it('waits up to the batching window for a batch to fill', async () => {
    const { warehouse, stream } = await streamWith(3);
    const sizes: number[] = [];
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 10,
      maxBatchingWindowMs: 400,
      pollIntervalMs: 5,
      handler: (batch) => {
        sizes.push(batch.length);
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    const late = new Promise<void>((done) => {
      setTimeout(() => {
        void stream
          .publish([
            { partitionKey: 'x', data: text('late1') },
            { partitionKey: 'x', data: text('late2') },
          ])
          .then(() => done());
      }, 100);
    });
    const started = Date.now();
    await consumer.poll();
    await late;
    expect(sizes).toEqual([5]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    await consumer.close();
    await stream.close();
  });

  it('resumes from its checkpoint and redelivers a batch whose handling never finished (at-least-once)', async () => {
    const { warehouse, stream } = await streamWith(12);
    const first = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 5,
      maxBatchingWindowMs: 0,
      handler: () => Promise.resolve({ batchItemFailures: [] }),
    });
    await first.poll();
    expect(first.position).toBe(5);
    // The second batch's handler "crashes": it never returns, so no checkpoint is written for it.
    const stuck = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 5,
      maxBatchingWindowMs: 0,
      handler: () => new Promise(() => undefined),
    });
    void stuck.poll();
    await new Promise((r) => setTimeout(r, 50));
    const seen: string[] = [];
    const restarted = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 5,
      maxBatchingWindowMs: 0,
      handler: (batch) => {
        seen.push(...payloads(batch));
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    await restarted.drain();
    expect(seen).toEqual(['r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11']);
    await Promise.all([first.close(), stuck.close(), restarted.close()]);
    await stream.close();
  });

  it('after a crash, redelivers exactly the batch in flight, even when more records have arrived since', async () => {
    const { warehouse, stream } = await streamWith(3);
    const options = { warehouse, stream: 'events', batchSize: 10, maxBatchingWindowMs: 0 };
    // The batch r0..r2 is being handled when the process dies: the handler never returns.
    const stuck = new Consumer({ ...options, handler: () => new Promise(() => undefined) });
    void stuck.poll();
    await new Promise((r) => setTimeout(r, 50));
    await stream.publish(Array.from({ length: 5 }, (_, i) => ({ partitionKey: 'k', data: text(`r${i + 3}`) })));
    const seen: string[][] = [];
    const restarted = new Consumer({
      ...options,
      handler: (batch) => {
        seen.push(payloads(batch));
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    await restarted.drain();
    // The same batch again (a handler's checkpoint of r2 recognises it), then the new records.
    expect(seen).toEqual([
      ['r0', 'r1', 'r2'],
      ['r3', 'r4', 'r5', 'r6', 'r7'],
    ]);
    const checkpoint = JSON.parse(await readFile(restarted.checkpointPath, 'utf8')) as Record<string, unknown>;
    expect(checkpoint.nextOffset).toBe(8);
    expect(checkpoint.inFlightEndOffset).toBeUndefined();
    await Promise.all([stuck.close(), restarted.close()]);
    await stream.close();
  });

  it('checkpoints each partial failure where it starts, so a crash on the next retry loses nothing', async () => {
    const { warehouse, stream } = await streamWith(6);
    const options = { warehouse, stream: 'events', batchSize: 6, maxBatchingWindowMs: 0, retryDelayMs: 1 };
    let attempt = 0;
    const failing = new Consumer({
      ...options,
      handler: (batch) => {
        attempt++;
        if (attempt === 3) return new Promise(() => undefined); // the process dies on the third try
        const failed = batch.filter((r) => decode(r.data) === (attempt === 1 ? 'r2' : 'r4'));
        return Promise.resolve({ batchItemFailures: failed.map((r) => ({ itemIdentifier: r.sequenceNumber })) });
      },
    });
    void failing.poll();
    while (attempt < 3) await new Promise((r) => setTimeout(r, 5));
    const seen: string[] = [];
    const restarted = new Consumer({
      ...options,
      handler: (batch) => {
        seen.push(...payloads(batch));
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    await restarted.drain();
    expect(seen).toEqual(['r4', 'r5']);
    await Promise.all([failing.close(), restarted.close()]);
    await stream.close();
  });

  it('retries from the first reported failure, then succeeds without redelivering what came before', async () => {
    const { warehouse, stream } = await streamWith(6);
    const calls: string[][] = [];
    let failOnce = true;
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 6,
      maxBatchingWindowMs: 0,
      retryDelayMs: 1,
      handler: (batch) => {
        calls.push(payloads(batch));
        if (failOnce) {
          failOnce = false;
          // r4 and r2 fail; r2 is the first, so the retry starts there.
          const failed = batch.filter((r) => ['r4', 'r2'].includes(decode(r.data)));
          return Promise.resolve({ batchItemFailures: failed.map((r) => ({ itemIdentifier: r.sequenceNumber })) });
        }
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    const outcome = await consumer.poll();
    expect(calls).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'],
      ['r2', 'r3', 'r4', 'r5'],
    ]);
    expect(outcome).toMatchObject({ records: 6, attempts: 2, deadLettered: 0, nextOffset: 6 });
    expect(await readDeadLetters(warehouse, 'events')).toEqual([]);
    await consumer.close();
    await stream.close();
  });

  it('gives up after maxRetries: dead-letters the failed records with the error and moves on', async () => {
    const { warehouse, stream } = await streamWith(8);
    let calls = 0;
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 4,
      maxBatchingWindowMs: 0,
      retryDelayMs: 1,
      handler: (batch) => {
        calls++;
        const bad = batch.filter((r) => decode(r.data) === 'r1');
        return Promise.resolve({ batchItemFailures: bad.map((r) => ({ itemIdentifier: r.sequenceNumber })) });
      },
    });
    const outcomes = await consumer.drain();
    // 1 attempt + 3 retries for the first batch, 1 for the second.
    expect(calls).toBe(5);
    expect(outcomes.map((o) => [o.attempts, o.deadLettered])).toEqual([
      [4, 1],
      [1, 0],
    ]);
    const dead = await readDeadLetters(warehouse, 'events');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      consumer: 'processor',
      stream: 'events',
      sequenceNumber: '00000000000000000001',
      partitionKey: 'k1',
      data: Buffer.from('r1').toString('base64'),
      error: 'reported in batchItemFailures by the handler',
      attempts: 4,
    });
    expect(consumer.position).toBe(8);
    await consumer.close();
    await stream.close();
  });

  it('treats a thrown error or an unknown item identifier as a failure of the whole remaining batch', async () => {
    const { warehouse, stream } = await streamWith(3);
    const thrower = new Consumer({
      warehouse,
      stream: 'events',
      consumerName: 'thrower',
      batchSize: 3,
      maxBatchingWindowMs: 0,
      maxRetries: 1,
      retryDelayMs: 1,
      handler: () => Promise.reject(new TypeError('catalog unreachable')),
    });
    expect(await thrower.poll()).toMatchObject({ attempts: 2, deadLettered: 3 });
    const liar = new Consumer({
      warehouse,
      stream: 'events',
      consumerName: 'liar',
      batchSize: 3,
      maxBatchingWindowMs: 0,
      maxRetries: 0,
      handler: () => Promise.resolve({ batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] }),
    });
    expect(await liar.poll()).toMatchObject({ attempts: 1, deadLettered: 3 });
    const dead = await readDeadLetters(warehouse, 'events');
    expect(dead.map((d) => [d.consumer, d.sequenceNumber.slice(-1), d.error])).toEqual([
      ['thrower', '0', 'TypeError: catalog unreachable'],
      ['thrower', '1', 'TypeError: catalog unreachable'],
      ['thrower', '2', 'TypeError: catalog unreachable'],
      ['liar', '0', expect.stringContaining('not-a-sequence-number')],
      ['liar', '1', expect.stringContaining('not-a-sequence-number')],
      ['liar', '2', expect.stringContaining('not-a-sequence-number')],
    ]);
    await Promise.all([thrower.close(), liar.close()]);
    await stream.close();
  });

  it('starts at LATEST without a checkpoint when asked, and runs until stopped', async () => {
    const { warehouse, stream } = await streamWith(4);
    const seen: string[] = [];
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      startingPosition: 'LATEST',
      maxBatchingWindowMs: 0,
      pollIntervalMs: 5,
      handler: (batch) => {
        seen.push(...payloads(batch));
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    const controller = new AbortController();
    const running = consumer.run(controller.signal);
    await new Promise((r) => setTimeout(r, 30));
    await stream.publish([{ partitionKey: 'n', data: text('new') }]);
    const deadline = Date.now() + 5000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await running;
    expect(seen).toEqual(['new']);
    await consumer.close();
    await stream.close();
  });

  it('rejects bad options clearly', () => {
    const handler: BatchHandler = () => Promise.resolve({ batchItemFailures: [] });
    expect(() => new Consumer({ warehouse: '/tmp', stream: '../x', handler })).toThrow(/invalid stream name/);
    expect(() => new Consumer({ warehouse: '/tmp', stream: 's', handler, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new Consumer({ warehouse: '/tmp', stream: 's', handler, consumerName: 'a/b' })).toThrow(
      /invalid consumer name/,
    );
  });
});

describe('Lambda Kinesis events', () => {
  it('runs a Lambda-style handler on local records with a real-shaped event and its batchItemFailures', async () => {
    const { warehouse, stream } = await streamWith(3);
    const events: KinesisStreamEvent[] = [];
    let first = true;
    const handler = lambdaBatchHandler(
      (event) => {
        events.push(event);
        if (first) {
          first = false;
          const bad = event.Records.find((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'r1');
          return Promise.resolve({ batchItemFailures: [{ itemIdentifier: bad?.kinesis.sequenceNumber ?? '' }] });
        }
        return Promise.resolve();
      },
      { streamName: 'lakehouse-events', region: 'eu-west-1', accountId: '123456789012' },
    );
    const consumer = new Consumer({ warehouse, stream: 'events', maxBatchingWindowMs: 0, retryDelayMs: 1, handler });
    expect(await consumer.poll()).toMatchObject({ attempts: 2, deadLettered: 0 });
    expect(events[1]?.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString())).toEqual(['r1', 'r2']);
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      awsRegion: 'eu-west-1',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/lakehouse-events',
      eventID: 'shardId-000000000000:00000000000000000000',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'k0',
        sequenceNumber: '00000000000000000000',
        data: 'cjA=',
      },
    });
    // Seconds, like Lambda's.
    expect(Math.abs((record?.kinesis.approximateArrivalTimestamp ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    await consumer.close();
    await stream.close();
  });

  it('converts an event back to consumed records losslessly', () => {
    const records: ConsumedRecord[] = [
      {
        sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        shardId: 'shardId-000000000003',
        partitionKey: 'user-1',
        data: new Uint8Array([0, 255, 10, 13]),
        approximateArrivalTimestamp: 1_700_000_000_123,
      },
    ];
    const back = fromKinesisEvent(toKinesisEvent(records, { streamName: 's' }));
    expect(back.map((r) => ({ ...r, data: [...r.data] }))).toEqual(records.map((r) => ({ ...r, data: [...r.data] })));
  });
});

describe('Consumer against a reset log', () => {
  it('fails clearly instead of waiting forever when its checkpoint is past the end of the stream', async () => {
    const { warehouse, stream } = await streamWith(0);
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      handler: () => Promise.resolve({ batchItemFailures: [] }),
    });
    await writeFile(consumer.checkpointPath, JSON.stringify({ consumer: 'processor', nextOffset: 42 }));
    await expect(consumer.poll()).rejects.toThrow(/at offset 42 but the stream ends at 0/);
    await consumer.close();
    await stream.close();
  });
});

describe('retention', () => {
  it('deletes only segments the consumer has checkpointed past, never the one being written', async () => {
    const warehouse = await tempDir();
    const stream = await LocalStream.open(warehouse, 'events', { segmentBytes: 1024 });
    for (let i = 0; i < 60; i++) await stream.publish([{ partitionKey: 'k', data: text(`r${i}`.padEnd(50, '.')) }]);
    const segments = async (): Promise<string[]> =>
      (await readdir(stream.dir)).filter((n) => n.endsWith('.seg')).sort();
    const before = await segments();
    expect(before.length).toBeGreaterThan(3);
    const seen: string[] = [];
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 25,
      maxBatchingWindowMs: 0,
      deleteConsumedSegments: true,
      handler: (batch) => {
        seen.push(...payloads(batch).map((p) => p.replace(/\.+$/, '')));
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    await consumer.poll();
    // Checkpoint at 25: segments wholly below it are gone, the one holding offset 25 stays.
    const after = await segments();
    expect(after.length).toBeLessThan(before.length);
    expect(Number(after[0]?.slice(0, 20))).toBeLessThanOrEqual(25);
    await consumer.drain();
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => `r${i}`));
    expect(await segments()).toEqual([before.at(-1)]);
    // A reader asking for a deleted offset is told why.
    const reader = new LogReader(stream.dir);
    await expect(reader.read(0, 1)).rejects.toThrow(/deleted by retention/);
    await reader.close();
    // The writer carries on in its segment.
    expect((await stream.publish([{ partitionKey: 'k', data: text('more') }])).failedCount).toBe(0);
    await consumer.close();
    await stream.close();
  });
});
