// A quarantine that cannot be written is a clean failure: the sink's promise rejects with an IO error naming the
// dataset and the path, and the processor reports the batch's records as failed (so the stream retries them) or
// rejects — never an 'error' event that takes the process down. Tests run as root, which file modes do not stop:
// the unwritable path here is a regular file where a directory must be (ENOTDIR).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../../src/api/envelope.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import { isLakehouseError } from '../../../src/errors.ts';
import { LocalFileIO } from '../../../src/io/local.ts';
import { warehouseProcessor } from '../../../src/pipeline/local-processor.ts';
import { FileIOQuarantine } from '../../../src/processor/quarantine-sink.ts';
import type { QuarantineEntry } from '../../../src/records/pipeline.ts';
import type { ConsumedRecord } from '../../../src/stream/types.ts';
import { validEvent } from '../../helpers/collect.ts';
import { tempDir } from '../../helpers/tmp.ts';

const entry = (actual: unknown = 'x'): QuarantineEntry => ({
  source: 'stream:ingest:shard-0',
  line: 1,
  reason: 'validation',
  violations: [{ path: '/x', rule: 'unknown_field', expected: 'a field declared in the contract', actual }],
  raw: '{"x":1}',
});

/** Anything the process would otherwise crash on (an unhandled 'error' event, a rejection nobody awaits). */
const stray: unknown[] = [];
const onStray = (error: unknown) => stray.push(error);
beforeEach(() => {
  stray.length = 0;
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
});
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50)); // let a late 'error' event surface
  process.off('uncaughtException', onStray);
  process.off('unhandledRejection', onStray);
  expect(stray).toEqual([]);
});

/** A path under a regular file: no one, root included, can create a directory or file there. */
function underARegularFile(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'not-a-directory'), 'x');
  return join(dir, 'not-a-directory', 'quarantine');
}

describe('quarantine sinks: a failed write rejects with a clear IO error', () => {
  it('FileIOQuarantine (one file per batch), the directory unusable: ENOTDIR', async () => {
    const sink = new FileIOQuarantine(new LocalFileIO(), underARegularFile());
    const failure = await sink.write('events', [entry(), entry()]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isLakehouseError(failure, 'IO')).toBe(true);
    expect((failure as Error).message).toMatch(
      /^quarantine write failed: 2 events entries to .*not-a-directory.*ENOTDIR/,
    );
  });

  it('a violation whose value nests 10,000 levels deep is written (its JSON cut), not a RangeError', async () => {
    let deep: unknown = 0;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const dir = tempDir();
    await new FileIOQuarantine(new LocalFileIO(), dir).write('events', [entry(deep), entry('plain')]);
    const [day] = readdirSync(join(dir, 'events'));
    const [file] = readdirSync(join(dir, 'events', day as string));
    const text = readFileSync(join(dir, 'events', day as string, file as string), 'utf8');
    const lines = text.trim().split('\n');
    const written = lines.map((line) => JSON.parse(line) as QuarantineEntry);
    expect(written.map((e) => e.violations[0]?.actual)).toEqual([`${'['.repeat(160)}…`, 'plain']);
    expect(written[0]?.raw).toBe('{"x":1}');
  });
});

describe('the stream processor with an unwritable quarantine', () => {
  it('fails the batch (every record of the dataset reported for retry) instead of crashing', async () => {
    const warehouse = tempDir();
    writeFileSync(join(warehouse, 'quarantine'), 'a regular file where the quarantine directory goes');
    const { processor, catalog, metadata } = warehouseProcessor(warehouse, {
      contracts: [await loadContract('events')],
      streamName: 'ingest',
    });
    try {
      const lines = [JSON.stringify(validEvent()), '{"event_id": 1}'];
      const records: ConsumedRecord[] = toStreamRecords('job-1', 'events', lines).map((r, i) => ({
        ...r,
        sequenceNumber: String(i + 1).padStart(20, '0'),
        shardId: 'shard-0',
        approximateArrivalTimestamp: 1_763_900_000_000,
      }));
      const response = await processor.handle(records);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.sequenceNumber));

      // A stream record that is no envelope goes to the `_unreadable` quarantine: its failure rejects the batch.
      const unreadable = {
        ...(records[0] as ConsumedRecord),
        sequenceNumber: '9'.padStart(20, '0'),
        data: Buffer.from('junk'),
      };
      await expect(processor.handle([unreadable])).rejects.toThrow(
        /^quarantine write failed: 1 _unreadable entries to .*ENOTDIR/,
      );
    } finally {
      await catalog.close();
      await metadata.close();
    }
  });
});
