// The stream processor's two record paths — the fast one (typed columns scanned from the envelopes' bytes,
// columnar Parquet, Iceberg metrics from the columns) and the general one (JSON.parse + ajv per record) — must
// leave the same tables, quarantine entries and job counts for the same stream records, broken ones included.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../../src/api/envelope.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import { warehouseProcessor, type WarehouseProcessor } from '../../../src/pipeline/local-processor.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import type { ConsumedRecord } from '../../../src/stream/types.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';

interface Run extends WarehouseProcessor {
  readonly warehouse: string;
}

async function processorFor(engine: 'auto' | 'general'): Promise<Run> {
  const warehouse = tempDir(`processor-${engine}-`);
  const contracts = [await loadContract('events')];
  return { warehouse, ...warehouseProcessor(warehouse, { contracts, streamName: 'ingest', engine }) };
}

function quarantined(warehouse: string): unknown[] {
  const root = join(warehouse, 'quarantine', 'events');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ndjson'));
  return files
    .flatMap((f) => readFileSync(join(root, f), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line) as { source: string; line: number })
    .sort((a, b) => a.source.localeCompare(b.source) || a.line - b.line);
}

describe('stream processor: fast and general record paths', () => {
  it('write the same raw and processed rows, quarantine the same entries and move jobs on alike', async () => {
    // Broken JSON, contract violations, duplicates within a batch, a pretty-printed record and whitespace around
    // values: everything a hand-made or older envelope could carry, not only what the ingest API lets through.
    const lines = [...eventRecords(4000, { seed: 8, invalidRate: 0.08 })];
    lines[10] = JSON.stringify(JSON.parse(lines[11] as string), null, 2);
    lines[20] = ` ${lines[20] as string} `;
    const jobs = [lines.slice(0, 1500), lines.slice(1500, 2600), lines.slice(2600)];
    let sequence = 0;
    const batches: ConsumedRecord[][] = jobs.map((job, j) =>
      toStreamRecords(`job-${j}`, 'events', job).map((r) => ({
        ...r,
        sequenceNumber: String(++sequence).padStart(20, '0'),
        shardId: 'shard-0',
        approximateArrivalTimestamp: 1_763_900_000_000 + sequence,
      })),
    );
    const runs = [await processorFor('auto'), await processorFor('general')];
    for (const { processor, metadata } of runs) {
      for (const [j, job] of jobs.entries())
        await metadata.putJob({ jobId: `job-${j}`, dataset: 'events', counts: { received: job.length } });
      // Two batches, the second with two jobs in it.
      expect((await processor.handle(batches[0] as ConsumedRecord[])).batchItemFailures).toEqual([]);
      expect((await processor.handle([...(batches[1] ?? []), ...(batches[2] ?? [])])).batchItemFailures).toEqual([]);
    }
    const [fast, general] = runs as [Run, Run];
    expect(fast.processor.outcomes.map(({ snapshotId: _, ...o }) => o)).toEqual(
      general.processor.outcomes.map(({ snapshotId: _, ...o }) => o),
    );
    const received = fast.processor.outcomes.reduce((n, o) => n + o.received, 0);
    const accepted = fast.processor.outcomes.reduce((n, o) => n + o.accepted, 0);
    expect(received).toBe(lines.length);
    expect(accepted).toBeLessThan(received * 0.97); // the invalid and duplicate records went to quarantine

    const quarantine = quarantined(fast.warehouse);
    expect(quarantine).toHaveLength(received - accepted);
    expect(quarantine).toEqual(quarantined(general.warehouse));
    expect(quarantine).toContainEqual(expect.objectContaining({ reason: 'parse' }));
    expect(quarantine).toContainEqual(expect.objectContaining({ reason: 'duplicate' }));

    const spec = (warehouse: string) => ({
      warehouse,
      tables: { 'raw.events': ['stream_position', 'payload'], 'processed.events': ['event_id'] },
      drop: ['_ingested_at'],
    });
    const read = (warehouse: string) =>
      runPythonJson<Record<string, unknown[]>>('tools', join(import.meta.dirname, 'table_rows.py'), spec(warehouse));
    const fastTables = read(fast.warehouse);
    expect(fastTables['raw.events']).toHaveLength(lines.length);
    expect(fastTables['processed.events']).toHaveLength(accepted);
    expect(fastTables).toEqual(read(general.warehouse));

    for (const j of [0, 1, 2]) {
      const [a, b] = await Promise.all(runs.map((r) => r.metadata.getJob(`job-${j}`)));
      expect(a?.status).toBe('committed');
      expect(a?.counts).toEqual(b?.counts);
    }
  }, 120_000);
});
