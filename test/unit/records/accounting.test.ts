import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { parseBytes } from '../../../src/formats/index.ts';
import { eventRecords } from '../../../src/sample/generate.ts';
import { bytes, collect, validEvent } from '../../helpers/collect.ts';

const events = await loadContract('events');

describe('nothing is lost: received = accepted + quarantined', () => {
  it('de-duplicates on the primary key within a batch, keeping the last and quarantining the rest', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const lines = [
      validEvent({ event_id: id, session_id: 'first' }),
      validEvent({ event_id: id, session_id: 'second' }),
      validEvent({ event_id: '00000000-0000-4000-8000-000000000002' }),
      validEvent({ event_id: id, session_id: 'third' }),
    ].map((r) => JSON.stringify(r));
    const out = await collect(parseBytes('ndjson', bytes(lines.join('\n'))), events);
    expect(out.rows.map((r) => r.session_id)).toEqual(['s-1', 'third']);
    expect(out.quarantined.map((q) => [q.line, q.reason])).toEqual([
      [1, 'duplicate'],
      [2, 'duplicate'],
    ]);
    expect(out.quarantined[0]?.violations[0]).toMatchObject({ rule: 'duplicate', actual: JSON.stringify(id) });
  });

  it('holds on the generated sample with its corruptions, at several batch sizes', async () => {
    const text = [...eventRecords(5000, { seed: 7, invalidRate: 0.1 })].join('\n');
    for (const batchSize of [1, 333, 100_000]) {
      const out = await collect(parseBytes('ndjson', bytes(text)), events, { batchSize });
      expect(out.received).toBe(5000);
      expect(out.rows.length + out.quarantined.length).toBe(5000);
      expect(out.quarantined.length).toBeGreaterThan(300);
      // Duplicates exist only within a batch: a batch of one has none.
      const reasons = batchSize === 1 ? ['parse', 'validation'] : ['parse', 'validation', 'duplicate'];
      expect(new Set(out.quarantined.map((q) => q.reason))).toEqual(new Set(reasons));
    }
  });

  it('property: random and corrupted NDJSON never crashes, never hangs and never loses a record', async () => {
    const valid = [...eventRecords(50, { seed: 3, invalidRate: 0 })];
    const line = fc.oneof(
      fc.constantFrom(...valid),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replaceAll('\n', ' ')),
      fc.json({ maxDepth: 3 }),
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat(255)).map(([l, at, byte]) => {
        const b = Buffer.from(l);
        b[at % b.length] = byte === 0x0a ? 0x20 : byte; // flip one byte anywhere
        return b.toString('latin1');
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 40 }), fc.integer({ min: 1, max: 64 }), async (lines, cut) => {
        const data = Buffer.from(lines.join('\n'), 'latin1');
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < data.length; i += cut) chunks.push(data.subarray(i, i + cut));
        const out = await collect(parseBytes('ndjson', bytes(...chunks)), events, { batchSize: 7 });
        const nonBlank = data
          .toString('latin1')
          .split('\n')
          .filter((l) => l.replace(/\r$/, '').trim() !== '').length;
        expect(out.received).toBe(nonBlank);
        expect(out.rows.length + out.quarantined.length).toBe(out.received);
      }),
      { numRuns: 150 },
    );
  });

  it('property: random CSV never crashes and accounts for every record', async () => {
    const header = 'event_id,user_id,event_type,event_ts,amount,country,session_id,properties\n';
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 80 }), { maxLength: 30 }), async (rows) => {
        const out = await collect(parseBytes('csv', bytes(header + rows.join('\n'))), events, { textValues: true });
        expect(out.rows.length + out.quarantined.length).toBe(out.received);
      }),
      { numRuns: 100 },
    );
  });

  it('streams input far larger than its heap: 600k generated events through a 128 MB heap', () => {
    // ~160 MB of NDJSON, generated lazily and never stored, parsed, validated and written to Parquet by a child
    // process whose V8 heap is capped at 128 MB: it only finishes if memory is bounded by the chunk size.
    const result = spawnSync(
      process.execPath,
      ['--max-old-space-size=128', 'test/fixtures/stream-generated.ts', '600000'],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    expect(result.stderr).not.toMatch(/heap out of memory/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() as string);
    expect(summary.received).toBe(600_000);
    expect(summary.accepted + summary.quarantined).toBe(600_000);
    expect(summary.quarantined).toBeGreaterThan(12_000);
  }, 180_000);
});
