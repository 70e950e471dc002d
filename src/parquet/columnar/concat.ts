// Batches of the same fields joined into one, so that a row group can hold several parse batches: the fast
// engine parses in small batches (their columns stay in the processor's cache) and encodes row groups of a size
// readers like. Each leaf's levels, values and byte-array offsets are copied once into buffers of its own.
import { LakehouseError } from '../../errors.ts';
import type { ColumnarBatch, LeafVector } from '../../records/columns.ts';

/** `batches` (same fields, same leaves) one after the other, as one batch; a single batch is returned as it is. */
export function concatBatches(batches: readonly ColumnarBatch[]): ColumnarBatch {
  const first = batches[0];
  if (!first) throw new LakehouseError('INTERNAL', 'concatBatches needs at least one batch');
  if (batches.length === 1) return first;
  for (const batch of batches)
    if (batch.leaves.length !== first.leaves.length)
      throw new LakehouseError('INTERNAL', 'concatBatches: batches of different leaves');
  return {
    fields: first.fields,
    rows: batches.reduce((n, b) => n + b.rows, 0),
    leaves: first.leaves.map((leaf, i) => concatLeaves(batches.map((b) => b.leaves[i] as LeafVector))),
  };
}

function concatLeaves(parts: readonly LeafVector[]): LeafVector {
  const leaf = parts[0] as LeafVector;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const count = parts.reduce((n, p) => n + p.count, 0);
  let definitionLevels: Uint8Array | null = null;
  if (leaf.maxDefinitionLevel > 0) {
    definitionLevels = new Uint8Array(rows);
    let at = 0;
    for (const part of parts) {
      definitionLevels.set((part.definitionLevels as Uint8Array).subarray(0, part.rows), at);
      at += part.rows;
    }
  }
  if (leaf.kind !== 'bytes') {
    const values = joinValues(parts, count);
    return { ...leaf, rows, count, definitionLevels, values, starts: null };
  }
  let size = 0;
  for (const part of parts) {
    const starts = part.starts as Int32Array;
    size += (starts[part.count] as number) - (starts[0] as number);
  }
  const values = new Uint8Array(size);
  const starts = new Int32Array(count + 1);
  let value = 0;
  let at = 0;
  for (const part of parts) {
    const from = part.starts as Int32Array;
    const base = from[0] as number;
    values.set((part.values as Uint8Array).subarray(base, from[part.count]), at);
    shiftOffsets(from, part.count, at - base, starts, value);
    at += (from[part.count] as number) - base;
    value += part.count;
  }
  starts[count] = at;
  return { ...leaf, rows, count, definitionLevels, values, starts };
}

/** The first `count` values of each part, back to back, in an array of the leaf's own type. */
function joinValues(parts: readonly LeafVector[], count: number): LeafVector['values'] {
  const leaf = parts[0] as LeafVector;
  const values =
    leaf.kind === 'int32'
      ? new Int32Array(count)
      : leaf.kind === 'int64'
        ? new BigInt64Array(count)
        : leaf.kind === 'double'
          ? new Float64Array(count)
          : new Uint8Array(count);
  let at = 0;
  for (const part of parts) {
    // Same element type as `values` by the leaf kind (checked by the encoder's checkLeaf).
    (values as Int32Array).set((part.values as Int32Array).subarray(0, part.count), at);
    at += part.count;
  }
  return values;
}

/** from[0…count) moved by `shift`, into out[at…). */
function shiftOffsets(from: Int32Array, count: number, shift: number, out: Int32Array, at: number): void {
  for (let k = 0; k < count; k++) out[at + k] = (from[k] as number) + shift;
}
