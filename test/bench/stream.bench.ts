// Appends per second into the local durable log (group commit, fdatasync per group), on the real disk:
//   node test/bench/stream.bench.ts [--events N] [--batch N] [--concurrency N] [--dir PATH]
// "batched": publishes of --batch records each, --concurrency in flight; "single": one-record publishes,
// --concurrency in flight (what many concurrent single-event HTTP requests produce).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalStream } from '../../src/stream/local.ts';
import type { StreamRecord } from '../../src/stream/types.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '256' },
    dir: { type: 'string' },
  },
});
const events = Number(values.events);
const batchSize = Number(values.batch);
const concurrency = Number(values.concurrency);

const payload = Buffer.from(
  JSON.stringify({
    event_id: '0b7c1f3e-8f1a-4d1e-9a55-3f1f3f0e2c11',
    user_id: 'u-123',
    type: 'page_view',
    ts: new Date().toISOString(),
    props: { path: '/p/42' },
  }),
);

async function run(label: string, perCall: number, total: number): Promise<void> {
  const warehouse = values.dir ?? (await mkdtemp(join(tmpdir(), 'stream-bench-')));
  const stream = await LocalStream.open(warehouse, `bench-${label}`);
  const calls = Math.ceil(total / perCall);
  let nextCall = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  async function worker(): Promise<void> {
    while (nextCall < calls) {
      const c = nextCall++;
      const records: StreamRecord[] = [];
      for (let i = 0; i < perCall; i++) records.push({ partitionKey: `k${(c * perCall + i) % 64}`, data: payload });
      const result = await stream.publish(records);
      failed += result.failedCount;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await stream.close();
  if (!values.dir) await rm(warehouse, { recursive: true, force: true });
  const appended = calls * perCall;
  console.log(
    JSON.stringify({
      mode: label,
      recordsPerPublish: perCall,
      concurrency,
      records: appended,
      failed,
      seconds: Number(seconds.toFixed(3)),
      appendsPerSecond: Math.round(appended / seconds),
    }),
  );
  if (failed > 0) process.exitCode = 1;
}

await run('batched', batchSize, events);
await run('single', 1, Math.min(events, 50_000));
