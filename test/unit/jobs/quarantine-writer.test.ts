// The quarantine writer is the last stop of a rejected record: it must neither lose one (an entry JSON cannot hold
// is written by its raw text, with the reason) nor crash the process (a failed write is one typed IO error, not an
// 'error' event nobody listens to). The failures are ones root cannot write past either: a file where a directory
// is expected (ENOTDIR) and /dev/full (ENOSPC).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ioError, isLakehouseError, type LakehouseError } from '../../../src/errors.ts';
import type { QuarantineEntry } from '../../../src/records/pipeline.ts';
import { QuarantineWriter } from '../../../src/records/quarantine.ts';
import { tempDir } from '../../helpers/tmp.ts';

const dir = tempDir();

function entry(line: number, actual: unknown, raw = `record ${line}`): QuarantineEntry {
  return {
    source: 'test.ndjson',
    line,
    reason: 'validation',
    violations: [{ path: '/a', rule: 'type', expected: 'string', actual }],
    raw,
  };
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('QuarantineWriter', () => {
  it('writes an entry too deep to serialise by its raw text, rule too_deep, and every other entry as it is', async () => {
    const path = join(dir, 'deep.ndjson');
    const writer = new QuarantineWriter(path);
    const raw = '['.repeat(200_000) + ']'.repeat(200_000);
    await writer.write([entry(1, 'fine'), entry(2, nested(200_000), raw), entry(3, 12n)]);
    await writer.close();
    const written = lines(path);
    expect(writer.count).toBe(3);
    expect(written).toHaveLength(3);
    expect(written[0]).toMatchObject({ line: 1, violations: [{ actual: 'fine' }] });
    expect(written[1]).toMatchObject({
      source: 'test.ndjson',
      line: 2,
      reason: 'validation',
      violations: [{ rule: 'too_deep' }],
      raw,
    });
    expect(written[2]).toMatchObject({ line: 3, violations: [{ actual: '12' }] });
  });

  it('writes an entry holding a cycle with rule unserialisable', async () => {
    const path = join(dir, 'cycle.ndjson');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const writer = new QuarantineWriter(path);
    await writer.write([entry(7, cycle)]);
    await writer.close();
    expect(lines(path)).toEqual([
      expect.objectContaining({ line: 7, violations: [expect.objectContaining({ rule: 'unserialisable' })] }),
    ]);
  });

  it('property: any entries, at any depth, are written one line each with their raw text', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.jsonValue(), fc.integer({ min: 0, max: 20_000 }), fc.string()), { maxLength: 8 }),
        async (items) => {
          const path = join(dir, `prop-${run++}.ndjson`);
          const writer = new QuarantineWriter(path);
          await writer.write(items.map(([value, depth, raw], i) => entry(i + 1, [nested(depth), value], raw)));
          await writer.close();
          const written = items.length ? lines(path) : [];
          expect(written.map((e) => e.raw)).toEqual(items.map(([, , raw]) => raw));
          expect(written.map((e) => e.line)).toEqual(items.map((_item, i) => i + 1));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a path that cannot hold the file (a file where a directory is expected) is one IO error, not a crash', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const writer = new QuarantineWriter(join(file, 'quarantine.ndjson'));
    const failure = await writer.write([entry(1, 'x')]).catch((error: unknown) => error);
    expect(isLakehouseError(failure, 'IO')).toBe(true);
    expect((failure as LakehouseError).message).toMatch(
      /^writing quarantine .*a-file\/quarantine\.ndjson: .*not a directory \(ENOTDIR\)$/,
    );
    expect((failure as LakehouseError).message).not.toMatch(/no such file/);
    expect(writer.count).toBe(0);
    await expect(writer.close()).resolves.toBeUndefined();
  });

  it('a full disk (/dev/full) is one IO error that says so', async () => {
    const writer = new QuarantineWriter('/dev/full');
    const failure = await writer.write([entry(1, 'x')]).catch((error: unknown) => error);
    expect(isLakehouseError(failure, 'IO')).toBe(true);
    expect((failure as LakehouseError).message).toBe('writing quarantine /dev/full: no space left on device (ENOSPC)');
    await writer.close();
  });
});

describe('ioError', () => {
  const systemError = (code: string): Error => Object.assign(new Error(`${code}: something, open '/x'`), { code });

  it.each([
    ['EROFS', 'read-only file system (EROFS)'],
    ['EACCES', 'permission denied (EACCES)'],
    ['ENOSPC', 'no space left on device (ENOSPC)'],
    ['ENOENT', 'a parent directory does not exist or cannot hold files (ENOENT)'],
  ])('a write failing with %s is an IO error saying what happened, never "no such file"', (code, text) => {
    const error = ioError('writing', '/out/x', systemError(code), { writing: true });
    expect(error.code).toBe('IO');
    expect(error.message).toBe(`writing /out/x: ${text}`);
  });

  it('a file missing on read is still NOT_FOUND', () => {
    expect(ioError('reading input', 'in.csv', systemError('ENOENT')).toJSON()).toMatchObject({
      code: 'NOT_FOUND',
      message: 'reading input: no such file: in.csv',
    });
  });
});
