// Shared by the unit tests of the Iceberg writer: a batch of valid sample events, lineage filled in.
import type { Contract } from '../../../src/contracts/model.ts';
import { withLineage } from '../../../src/iceberg/lineage.ts';
import { BatchBuilder, type RecordBatch } from '../../../src/records/batch.ts';
import { RecordProcessor } from '../../../src/records/pipeline.ts';
import { eventRecords } from '../../../src/sample/generate.ts';

export function eventsBatch(contract: Contract, seed: number, count = 50): RecordBatch {
  const processor = new RecordProcessor(contract);
  const builder = new BatchBuilder(contract);
  for (const line of eventRecords(count, { seed, invalidRate: 0 })) {
    const row = processor.toRow(JSON.parse(line), false);
    if (Array.isArray(row)) builder.append(row);
  }
  return withLineage(builder.flush(), `test:${seed}`, 1_700_000_000_000_000n);
}
