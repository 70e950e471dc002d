// kill -9 of a producer process in the middle of appending, repeatedly, while a consumer in this process reads
// the same log: every acknowledged record is there after each restart, offsets have no gap, and the consumer sees
// every record exactly once and in order.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Consumer } from '../../../src/stream/consumer.ts';
import { LocalStream, localStreamDir, parseSequenceNumber } from '../../../src/stream/local.ts';
import { LogReader } from '../../../src/stream/log.ts';

const CHILD = resolve('test/integration/stream/writer-child.ts');
const CONSUMER_CHILD = resolve('test/integration/stream/consumer-child.ts');
const TRIALS = 8;
let warehouse = '';
afterAll(async () => {
  if (warehouse) await rm(warehouse, { recursive: true, force: true });
});

interface Ack {
  readonly id: string;
  readonly first: number;
  readonly count: number;
}

/** Runs one producer until it has acknowledged something, then SIGKILLs it after a random delay. */
async function runAndKill(trial: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [CHILD, warehouse, 'events', `t${trial}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + 20_000;
  while (!out.includes('\nack ') && !out.startsWith('ack ') && Date.now() < deadline && child.exitCode === null) {
    await sleep(5);
  }
  if (!out.includes('ack ')) throw new Error(`producer never acknowledged: ${err}`);
  await sleep(20 + Math.random() * 150);
  child.kill('SIGKILL');
  await exited;
  expect(err).toBe('');
  // Only whole lines: the kill may cut the last one.
  return out
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.startsWith('ack '))
    .map((l) => {
      const [, id, seq, count] = l.split(' ');
      return { id: id as string, first: parseSequenceNumber(seq as string), count: Number(count) };
    });
}

describe('local stream under kill -9', () => {
  it(`keeps every acknowledged record across ${TRIALS} producer crashes while a consumer reads along`, async () => {
    warehouse = await mkdtemp(join(tmpdir(), 'stream-crash-'));
    const consumed: string[] = [];
    const consumer = new Consumer({
      warehouse,
      stream: 'events',
      batchSize: 200,
      maxBatchingWindowMs: 0,
      pollIntervalMs: 2,
      handler: (batch) => {
        for (const r of batch)
          consumed.push(`${parseSequenceNumber(r.sequenceNumber)} ${Buffer.from(r.data).toString()}`);
        return Promise.resolve({ batchItemFailures: [] });
      },
    });
    const controller = new AbortController();
    const consuming = consumer.run(controller.signal);

    const acks: Ack[] = [];
    for (let trial = 0; trial < TRIALS; trial++) acks.push(...(await runAndKill(trial)));

    // Recovery by a fresh writer, then one last record so the consumer has a known end to reach.
    const stream = await LocalStream.open(warehouse, 'events', { segmentBytes: 64 * 1024 });
    const end = await stream.publish([{ partitionKey: 'end', data: new TextEncoder().encode('end') }]);
    await stream.close();
    const endOffset = end.records[0]?.ok ? parseSequenceNumber(end.records[0].sequenceNumber) : -1;
    expect(endOffset).toBeGreaterThan(0);

    const reader = new LogReader(localStreamDir(warehouse, 'events'));
    const log: string[] = [];
    for (;;) {
      const batch = await reader.read(log.length, 5000);
      if (batch.length === 0) break;
      for (const e of batch) {
        expect(e.offset).toBe(log.length);
        log.push(Buffer.from(e.data).toString());
      }
    }
    await reader.close();
    expect(log).toHaveLength(endOffset + 1);
    expect(acks.length).toBeGreaterThan(TRIALS);
    expect(log.length).toBeGreaterThan(1000);
    for (const ack of acks) {
      for (let i = 0; i < ack.count; i++) {
        expect(log[ack.first + i]?.startsWith(`${ack.id}:${i}:`), `${ack.id} record ${i}`).toBe(true);
      }
    }
    const segments = (await readdir(localStreamDir(warehouse, 'events'))).filter((n) => n.endsWith('.seg'));
    expect(segments.length).toBeGreaterThan(1);

    const deadline = Date.now() + 30_000;
    while (consumer.position <= endOffset && Date.now() < deadline) await sleep(10);
    controller.abort();
    await consuming;
    await consumer.close();
    expect(consumed).toEqual(log.map((data, offset) => `${offset} ${data}`));
  });
});

describe('local consumer under kill -9', () => {
  it('resumes from its checkpoint after each crash: every record handled, only in-flight batches twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'consumer-crash-'));
    try {
      const total = 50_000;
      const stream = await LocalStream.open(dir, 'events');
      for (let i = 0; i < total; i += 1000) {
        await stream.publish(
          Array.from({ length: 1000 }, (_, j) => ({ partitionKey: 'k', data: new Uint8Array([j % 256]) })),
        );
      }
      await stream.close();
      const out = join(dir, 'handled.txt');
      const crashes = 6;
      for (let trial = 0; trial < crashes; trial++) {
        const child = spawn(process.execPath, [CONSUMER_CHILD, dir, 'events', out], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        await new Promise<void>((done) => child.stdout.once('data', () => done()));
        // Each trial gets past at least one batch before it is killed, however slow the machine.
        const handledBefore = await readFile(out, 'utf8').then(
          (t) => t.length,
          () => 0,
        );
        while (
          (await readFile(out, 'utf8').then(
            (t) => t.length,
            () => 0,
          )) === handledBefore
        )
          await sleep(2);
        await sleep(10 + Math.random() * 60);
        child.kill('SIGKILL');
        await exited;
        expect(err).toBe('');
      }
      // The crashes came before the end: the last run has work left.
      const before = new Set((await readFile(out, 'utf8')).split('\n').filter(Boolean));
      expect(before.size).toBeGreaterThan(0);
      expect(before.size).toBeLessThan(total);
      const final = spawn(process.execPath, [CONSUMER_CHILD, dir, 'events', out, '--drain'], { stdio: 'inherit' });
      const code = await new Promise<number | null>((done) => final.once('exit', (c) => done(c)));
      expect(code).toBe(0);

      const handled = (await readFile(out, 'utf8')).split('\n').filter(Boolean).map(parseSequenceNumber);
      const seen = new Set(handled);
      expect(seen.size).toBe(total);
      expect(Math.min(...seen)).toBe(0);
      expect(Math.max(...seen)).toBe(total - 1);
      // At-least-once, and no more: a crash repeats at most the batch (50) it interrupted.
      expect(handled.length - total).toBeLessThanOrEqual(crashes * 50);
      // Order: each restart goes back at most one batch, never skips ahead.
      for (let i = 1; i < handled.length; i++) {
        const prev = handled[i - 1] as number;
        const cur = handled[i] as number;
        expect(cur === prev + 1 || (cur <= prev && prev - cur < 50), `${prev} -> ${cur}`).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
