// Fault injection: the processor is killed with SIGKILL at random moments (at least 20 times) while it turns the stream
// into Iceberg commits, restarted each time, then allowed to finish. Redelivery must never duplicate a row and
// nothing may be lost: the table holds every record exactly once.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { toStreamRecords } from '../../../src/api/envelope.ts';
import { Random } from '../../../src/sample/random.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { LocalStream } from '../../../src/stream/index.ts';
import { runPythonJson } from '../../helpers/python.ts';
import { tempDir } from '../../helpers/tmp.ts';

const warehouse = tempDir('lakehouse-crash-');
const child = join(import.meta.dirname, '../../fixtures/processor-child.ts');
const env = { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn' };

describe('processor under kill -9', () => {
  it('loses nothing and duplicates nothing across 20+ crashes and restarts', async () => {
    // Each trial adds work before starting the processor, so that every kill lands while it is busy.
    const lines = [...eventRecords(15000, { seed: 21, invalidRate: 0 })];
    const ids = new Set(lines.map((l) => (JSON.parse(l) as { event_id: string }).event_id));
    const random = new Random(99);
    let published = 0;
    let killed = 0;
    for (let trial = 0; published < lines.length && killed < 22; trial++) {
      const stream = await LocalStream.open(warehouse, 'ingest');
      for (const end = Math.min(lines.length, published + 500); published < end; published += 50) {
        const result = await stream.publish(
          toStreamRecords(`job-${published}`, 'events', lines.slice(published, published + 50)),
        );
        expect(result.failedCount).toBe(0);
      }
      await stream.close();
      const processor = spawn(process.execPath, [child, warehouse], { env, stdio: 'ignore' });
      await sleep(random.int(200, 800));
      if (processor.exitCode === null) {
        processor.kill('SIGKILL');
        killed++;
      }
      await new Promise((done) => (processor.exitCode !== null ? done(undefined) : processor.once('exit', done)));
    }
    expect(killed).toBeGreaterThanOrEqual(20);
    const stream = await LocalStream.open(warehouse, 'ingest');
    for (; published < lines.length; published += 50) {
      await stream.publish(toStreamRecords(`job-${published}`, 'events', lines.slice(published, published + 50)));
    }
    await stream.close();
    const idsFile = join(warehouse, 'ids.json');
    writeFileSync(idsFile, JSON.stringify([...ids]));
    const finish = spawnSync(process.execPath, [child, warehouse], { env, encoding: 'utf8' });
    expect(finish.status, finish.stderr).toBe(0);

    const read = runPythonJson<{ rows: number; distinct: number; missing: number }>(
      'tools',
      join(import.meta.dirname, 'count_events.py'),
      { warehouse, ids: idsFile },
    );
    expect(read.rows).toBe(ids.size);
    expect(read.distinct).toBe(ids.size);
    expect(read.missing).toBe(0);
  }, 300_000);
});
