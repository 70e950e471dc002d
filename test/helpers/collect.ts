import type { Contract } from '../../src/contracts/model.ts';
import type { ParsedItem } from '../../src/formats/types.ts';
import { rowOf, type RecordBatch } from '../../src/records/batch.ts';
import { processItems, RecordProcessor, type QuarantineEntry } from '../../src/records/pipeline.ts';
import type { Normalised } from '../../src/records/values.ts';

export interface Collected {
  received: number;
  rows: Record<string, Normalised>[];
  quarantined: QuarantineEntry[];
  batches: RecordBatch[];
}

export async function collect(
  items: AsyncIterable<readonly ParsedItem[]>,
  contract: Contract,
  options: { textValues?: boolean; batchSize?: number } = {},
): Promise<Collected> {
  const out: Collected = { received: 0, rows: [], quarantined: [], batches: [] };
  for await (const chunk of processItems(items, new RecordProcessor(contract), { source: 'test', ...options })) {
    out.received += chunk.received;
    out.quarantined.push(...chunk.quarantined);
    out.batches.push(chunk.batch);
    for (let i = 0; i < chunk.batch.length; i++) out.rows.push(rowOf(chunk.batch, i));
  }
  return out;
}

export async function* bytes(...chunks: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

export const validEvent = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: '7da2849d-73eb-4438-a907-d090402c802d',
  user_id: 'u000488',
  event_type: 'click',
  event_ts: '2026-11-06T15:54:57.100583Z',
  amount: null,
  country: 'FR',
  session_id: 's-1',
  properties: { page: '/', referrer: null, ab: 5 },
  ...overrides,
});
