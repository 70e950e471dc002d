import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameSize, writeFrame } from '../../../src/stream/frame.ts';
import { LogLockedError, LogReader, LogWriter } from '../../../src/stream/log.ts';
import { decode, tempDirs, text } from './helpers.ts';

const tempDir = tempDirs('log-');
const SEGMENT = '00000000000000000000.seg';

async function readAll(dir: string): Promise<{ offset: number; key: string; data: string }[]> {
  const reader = new LogReader(dir);
  const out: { offset: number; key: string; data: string }[] = [];
  try {
    for (;;) {
      const batch = await reader.read(out.length, 1000);
      if (batch.length === 0) return out;
      for (const e of batch) out.push({ offset: e.offset, key: e.partitionKey, data: decode(e.data) });
    }
  } finally {
    await reader.close();
  }
}

describe('LogWriter and LogReader', () => {
  it('gives consecutive offsets, keeps each call together and reads back in order', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir);
    const calls = Array.from({ length: 50 }, (_, c) =>
      log.append(Array.from({ length: (c % 5) + 1 }, (_, i) => ({ partitionKey: `k${c}`, data: text(`${c}:${i}`) }))),
    );
    const results = await Promise.all(calls);
    await log.close();
    const all = await readAll(dir);
    expect(all).toHaveLength(150);
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    results.forEach((r, c) => {
      for (let i = 0; i < (c % 5) + 1; i++) {
        expect(all[r.firstOffset + i]).toMatchObject({ key: `k${c}`, data: `${c}:${i}` });
      }
    });
  });

  it('splits a flood of large concurrent appends into bounded groups without reordering or splitting a call', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir);
    const big = (c: number, i: number): Uint8Array => new Uint8Array(512 * 1024).fill((c * 2 + i) % 251);
    // 40 calls × 2 × 512 KiB = 40 MiB in flight at once, more than one group may hold.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, c) =>
        log.append([
          { partitionKey: `c${c}`, data: big(c, 0) },
          { partitionKey: `c${c}`, data: big(c, 1) },
        ]),
      ),
    );
    await log.close();
    expect(results.map((r) => r.firstOffset).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, c) => c * 2),
    );
    const reader = new LogReader(dir);
    for (const [c, r] of results.entries()) {
      const [a, b] = await reader.read(r.firstOffset, 2);
      expect([a?.partitionKey, b?.partitionKey]).toEqual([`c${c}`, `c${c}`]);
      expect([a?.data[1000], b?.data[1000]]).toEqual([(c * 2) % 251, (c * 2 + 1) % 251]);
    }
    await reader.close();
  });

  it('recovers from a tail cut at every byte of the last record: acknowledged records stay, offsets continue', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir);
    await log.append([{ partitionKey: 'a', data: text('first') }]);
    await log.append([{ partitionKey: 'b', data: text('second') }]);
    await log.close();
    const path = join(dir, SEGMENT);
    const full = await readFile(path);
    const lastStart = frameSize(1, 5);
    for (let cut = lastStart; cut < full.length; cut++) {
      await writeFile(path, full.subarray(0, cut));
      const reopened = await LogWriter.open(dir);
      expect(reopened.nextOffset, `cut at ${cut}`).toBe(1);
      expect((await stat(path)).size).toBe(lastStart);
      await reopened.append([{ partitionKey: 'c', data: text('third') }]);
      await reopened.close();
      expect(await readAll(dir)).toEqual([
        { offset: 0, key: 'a', data: 'first' },
        { offset: 1, key: 'c', data: 'third' },
      ]);
    }
  });

  it('cuts off garbage and a stale frame with the wrong offset after the last good record', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir);
    await log.append([{ partitionKey: 'a', data: text('one') }]);
    await log.close();
    const path = join(dir, SEGMENT);
    const good = (await stat(path)).size;
    // A whole, CRC-valid frame claiming offset 5 (left over from before an earlier truncation) and then noise.
    const stale = Buffer.alloc(frameSize(1, 3));
    writeFrame(stale, 0, 5, Date.now(), Buffer.from('z'), text('old'));
    await appendFile(path, Buffer.concat([stale, Buffer.from('noise noise')]));
    const reopened = await LogWriter.open(dir);
    expect(reopened.nextOffset).toBe(1);
    expect((await stat(path)).size).toBe(good);
    await reopened.close();
  });

  it('never lets a reader see past the committed head, even when bytes beyond it are on disk', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir);
    await log.append([{ partitionKey: 'a', data: text('committed') }]);
    // Simulate a write that reached the file but whose fsync (and so the head update) has not happened.
    const extra = Buffer.alloc(frameSize(1, 7));
    writeFrame(extra, 0, 1, Date.now(), Buffer.from('b'), text('pending'));
    await appendFile(join(dir, SEGMENT), extra);
    const reader = new LogReader(dir);
    expect(await reader.committedOffset()).toBe(1);
    expect((await reader.read(0, 10)).map((e) => decode(e.data))).toEqual(['committed']);
    expect(await reader.read(1, 10)).toEqual([]);
    await reader.close();
    await log.close();
  });

  it('rotates segments and reads across them, also from an offset in the middle of one', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir, { segmentBytes: 1024 });
    for (let i = 0; i < 100; i++) await log.append([{ partitionKey: 'k', data: text(`record-${i}`.padEnd(40, '.')) }]);
    await log.close();
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
    expect(segments.length).toBeGreaterThan(4);
    for (const name of segments) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(1024);
    const all = await readAll(dir);
    expect(all.map((r) => r.data.slice(0, 10))).toEqual(
      Array.from({ length: 100 }, (_, i) => `record-${i}`.padEnd(10, '.').slice(0, 10)),
    );
    const reader = new LogReader(dir);
    const middle = await reader.read(37, 5);
    expect(middle.map((e) => e.offset)).toEqual([37, 38, 39, 40, 41]);
    await reader.close();
    // Reopening continues in the last segment with the next offset.
    const again = await LogWriter.open(dir, { segmentBytes: 1024 });
    expect(again.nextOffset).toBe(100);
    expect((await again.append([{ partitionKey: 'k', data: text('after') }])).firstOffset).toBe(100);
    await again.close();
  });

  it('follows a writer that appends while it reads', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir, { segmentBytes: 4096 });
    const reader = new LogReader(dir);
    let next = 0;
    const seen: string[] = [];
    for (let round = 0; round < 20; round++) {
      await log.append(Array.from({ length: 10 }, (_, i) => ({ partitionKey: 'k', data: text(`${round}-${i}`) })));
      const got = await reader.read(next, 7);
      next += got.length;
      seen.push(...got.map((e) => decode(e.data)));
    }
    for (;;) {
      const got = await reader.read(next, 100);
      if (got.length === 0) break;
      next += got.length;
      seen.push(...got.map((e) => decode(e.data)));
    }
    expect(seen).toHaveLength(200);
    expect(seen[199]).toBe('19-9');
    await reader.close();
    await log.close();
  });

  it('allows one writer: a second is refused while the first lives, a dead owner’s lock is taken over', async () => {
    const dir = await tempDir();
    const log = await LogWriter.open(dir);
    await expect(LogWriter.open(dir)).rejects.toThrow(LogLockedError);
    await log.close();
    // A lock left by a process that no longer exists (pid far above pid_max).
    await writeFile(join(dir, 'writer.lock'), '2147483646');
    const taken = await LogWriter.open(dir);
    expect(await readFile(join(dir, 'writer.lock'), 'utf8')).toBe(String(process.pid));
    await taken.close();
  });

  it('property: whatever was acknowledged survives any torn tail, and offsets continue without a gap', async () => {
    const dir0 = await tempDir();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 8 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 64 }),
        async (batches, unacked, cutSeed, noise) => {
          const dir = join(dir0, String(run++));
          const log = await LogWriter.open(dir, { segmentBytes: 8192 });
          const acked: string[] = [];
          for (const sizes of batches) {
            const records = sizes.map((n, i) => ({
              partitionKey: `p${i}`,
              data: text(`${acked.length + i}|`.padEnd(n + 1, 'x')),
            }));
            await log.append(records);
            acked.push(...records.map((r) => decode(r.data)));
          }
          await log.close();
          // The crash: a write of more records reached the disk only partly (cut anywhere), maybe followed by noise.
          const segments = (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
          const last = join(dir, segments.at(-1) as string);
          const lastBase = Number((segments.at(-1) as string).slice(0, 20));
          let tail = Buffer.alloc(0);
          let offset = acked.length;
          for (const n of unacked) {
            const f = Buffer.alloc(frameSize(1, n));
            writeFrame(f, 0, offset++, Date.now(), Buffer.from('u'), Buffer.alloc(n, 0x41));
            tail = Buffer.concat([tail, f]);
          }
          const cut = cutSeed % (tail.length + 1);
          await appendFile(last, Buffer.concat([tail.subarray(0, cut), noise]));
          const reopened = await LogWriter.open(dir, { segmentBytes: 8192 });
          const recovered = reopened.nextOffset;
          expect(recovered).toBeGreaterThanOrEqual(acked.length);
          expect(recovered).toBeLessThanOrEqual(acked.length + unacked.length);
          const { firstOffset } = await reopened.append([{ partitionKey: 'z', data: text('after-crash') }]);
          expect(firstOffset).toBe(recovered);
          await reopened.close();
          const all = await readAll(dir);
          expect(all.slice(0, acked.length).map((r) => r.data)).toEqual(acked);
          expect(all.map((r) => r.offset)).toEqual(all.map((_, i) => i));
          expect(all.at(-1)?.data).toBe('after-crash');
          expect(lastBase).toBeLessThanOrEqual(acked.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
