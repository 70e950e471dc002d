// `node test/bench/processor.bench.ts [--records 100000] [--runs 3]`: one batch of N events through the stream
// processor function (the processor Lambda's handler) to committed Iceberg snapshots (raw and processed layers,
// quarantine, job status), against a local SQL catalog and SQLite metadata. Prints the wall time of each
// `handle()` call, from the stream records to the committed snapshots, and the CPU time the process spent in it
// (user and system: page faults of fresh buffers show as system time). The first run pays table creation.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { toStreamRecords } from '../../src/api/envelope.ts';
import { loadContract } from '../../src/contracts/load.ts';
import { warehouseProcessor } from '../../src/pipeline/local-processor.ts';
import { eventRecords } from '../../src/sample/generate.ts';
import type { ConsumedRecord } from '../../src/stream/types.ts';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } },
});
const records = Number(args.records);
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();
const warehouse = mkdtempSync(join(tmpdir(), 'processor-bench-'));
try {
  const { processor } = warehouseProcessor(warehouse, {
    contracts: [await loadContract('events')],
    streamName: 'bench',
  });
  let sequence = 0;
  for (let run = 1; run <= Number(args.runs); run++) {
    // The ingest API only enqueues records that parse as JSON; invalid ones (contract violations) still pass.
    const lines: string[] = [];
    for (const line of eventRecords(records * 2, { seed: run, firstId: run * records })) {
      if (lines.length === records) break;
      try {
        JSON.parse(line);
        lines.push(line);
      } catch {
        continue;
      }
    }
    const jobId = randomUUID();
    const batch: ConsumedRecord[] = toStreamRecords(jobId, 'events', lines).map((r) => ({
      sequenceNumber: String(++sequence).padStart(20, '0'),
      shardId: 'shard-0',
      partitionKey: r.partitionKey,
      data: r.data,
      approximateArrivalTimestamp: Date.now(),
    }));
    // The generator's garbage (200k strings and parsed objects) is collected now, not inside the timed call.
    collectGarbage();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const response = await processor.handle(batch);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore); // this thread and the thread pool's (zstd, file writes)
    const outcome = processor.outcomes.at(-1);
    if (!outcome || outcome.received !== records)
      throw new Error(`expected ${records} records processed: ${JSON.stringify(outcome)}`);
    console.log(
      JSON.stringify({
        run,
        records,
        streamRecords: batch.length,
        seconds: Number(seconds.toFixed(3)),
        cpuSeconds: { user: Number((cpu.user / 1e6).toFixed(3)), system: Number((cpu.system / 1e6).toFixed(3)) },
        outcome,
        failures: response.batchItemFailures.length,
      }),
    );
  }
} finally {
  rmSync(warehouse, { recursive: true, force: true });
}
