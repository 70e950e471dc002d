// The fast path's column builders drop rejected and duplicate rows by compacting in place: what stays must be
// the kept rows' values, in order, whether the column holds a value in every row or has nulls among them.
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { LeafBuilder } from '../../../src/records/fast/builders.ts';
import { planFor, type LeafPlan } from '../../../src/records/fast/plan.ts';

const planned = planFor(await loadContract('events'));
if ('unsupported' in planned) throw new Error(planned.unsupported);
const plan = planned;

function leaf(name: string): LeafPlan {
  const found = plan.leaves.find((l) => l.path.join('.') === name);
  if (!found) throw new Error(`no leaf ${name}`);
  return found;
}

function rowsOf(builder: LeafBuilder): unknown[] {
  return Array.from({ length: builder.rows }, (_, r) => builder.normalisedAt(r));
}

describe('LeafBuilder.compact', () => {
  const keep = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 1]);

  it('keeps the kept rows of a column with a value in every row', () => {
    const builder = new LeafBuilder(leaf('event_ts'), 16);
    const values = [10, 20, 30, 40, 50, 60, 70, 80];
    for (const v of values) builder.int64(v);
    builder.compact(keep);
    const kept = values.filter((_, r) => keep[r]).map(BigInt);
    expect(rowsOf(builder)).toEqual(kept);
    expect([...(builder.vector().values as BigInt64Array)]).toEqual(kept);
  });

  it('keeps the kept rows and their nulls in a column with nulls', () => {
    const amount = leaf('amount');
    const builder = new LeafBuilder(amount, 256);
    // A fixed pseudo-random pattern: nulls and dropped rows in runs of every length, at every offset.
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const values = Array.from({ length: 200 }, (_, r) => (next() < 0.3 ? null : r));
    const keepSome = Uint8Array.from(values, () => (next() < 0.7 ? 1 : 0));
    for (const v of values) {
      if (v === null) builder.appendNull(0);
      else if (amount.kind === 'int32') builder.int32(v);
      else builder.int64(v);
    }
    builder.compact(keepSome);
    const kept = values.filter((_, r) => keepSome[r]);
    expect(rowsOf(builder).map((v) => (v === null ? null : Number(v)))).toEqual(kept);
    const vector = builder.vector();
    expect(vector.count).toBe(kept.filter((v) => v !== null).length);
    expect([...(vector.definitionLevels as Uint8Array)]).toEqual(kept.map((v) => (v === null ? 0 : 1)));
  });

  it('keeps the kept rows of a byte-array column', () => {
    const builder = new LeafBuilder(leaf('event_id'), 16);
    const values = ['a', 'bb', 'ccc', 'dddd', 'e', 'ff', 'g', 'hh'];
    const source = Buffer.from(values.join(''));
    let at = 0;
    for (const v of values) {
      builder.bytesFrom(source, at, at + v.length, 0);
      at += v.length;
    }
    builder.compact(keep);
    expect(rowsOf(builder)).toEqual(values.filter((_, r) => keep[r]));
  });
});
