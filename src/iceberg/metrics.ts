// Iceberg data-file metrics. Column sizes and row-group offsets come from the Parquet footer we just wrote (read
// back with hyparquet); value, null and NaN counts and lower/upper bounds are computed from the normalised
// values themselves, which are exact (the footer's statistics would pass decimals and timestamps through floats
// and Dates when decoded). Bounds are kept for primitive columns outside lists, strings truncated to 16
// characters as Iceberg's default `truncate(16)` metrics mode does.
import { parquetMetadata } from 'hyparquet';
import type { Normalised } from '../records/values.ts';
import { compareValues, toBytes, truncateLower, truncateUpper } from './conversions.ts';
import type { IcebergType, NestedField } from './types.ts';

export interface ColumnMetrics {
  valueCounts: Map<number, bigint>;
  nullValueCounts: Map<number, bigint>;
  nanValueCounts: Map<number, bigint>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
}

/** Metrics with no column yet; writers fill in one entry per leaf field id. */
export function emptyColumnMetrics(): ColumnMetrics {
  return {
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    nanValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
}

interface Acc {
  type: IcebergType;
  values: number;
  nulls: number;
  nans: number;
  min: unknown;
  max: unknown;
  bounds: boolean;
}

/** Counts and bounds for every leaf column of `fields`, from columns of normalised values. */
export function valueMetrics(
  fields: readonly NestedField[],
  columns: ReadonlyMap<string, readonly Normalised[]>,
  rows: number,
): ColumnMetrics {
  const accs = new Map<number, Acc>();
  const acc = (id: number, type: IcebergType, bounds: boolean): Acc => {
    let a = accs.get(id);
    if (!a) {
      a = { type, values: 0, nulls: 0, nans: 0, min: undefined, max: undefined, bounds };
      accs.set(id, a);
    }
    return a;
  };
  const visit = (field: { id: number; type: IcebergType }, value: Normalised | undefined, inList: boolean): void => {
    const type = field.type;
    if (typeof type === 'string') {
      const a = acc(field.id, type, !inList);
      a.values++;
      if (value === null || value === undefined) {
        a.nulls++;
        return;
      }
      if (typeof value === 'number' && Number.isNaN(value)) {
        a.nans++;
        return;
      }
      if (a.min === undefined || compareValues(value, a.min) < 0) a.min = value;
      if (a.max === undefined || compareValues(value, a.max) > 0) a.max = value;
      return;
    }
    if (type.type === 'struct') {
      const struct = (value ?? null) as Record<string, Normalised> | null;
      for (const member of type.fields) visit(member, struct === null ? null : (struct[member.name] ?? null), inList);
      return;
    }
    const element = { id: type['element-id'], type: type.element };
    const list = (value ?? null) as Normalised[] | null;
    if (list === null || list.length === 0) {
      // No element values; make sure the column is known so its counts read 0 rather than missing.
      touch(element, inList);
      return;
    }
    for (const item of list) visit(element, item, true);
  };
  const touch = (field: { id: number; type: IcebergType }, inList: boolean): void => {
    if (typeof field.type === 'string') acc(field.id, field.type, !inList);
    else if (field.type.type === 'struct') for (const m of field.type.fields) touch(m, inList);
    else touch({ id: field.type['element-id'], type: field.type.element }, true);
  };
  for (const field of fields) {
    const column = columns.get(field.name);
    for (let i = 0; i < rows; i++) visit(field, column?.[i] ?? null, false);
  }
  const out = emptyColumnMetrics();
  for (const [id, a] of accs) {
    out.valueCounts.set(id, BigInt(a.values));
    out.nullValueCounts.set(id, BigInt(a.nulls));
    if (a.type === 'double' || a.type === 'float') out.nanValueCounts.set(id, BigInt(a.nans));
    if (!a.bounds || a.min === undefined) continue;
    if (a.type === 'string') {
      out.lowerBounds.set(id, toBytes(a.type, truncateLower(a.min as string)));
      const upper = truncateUpper(a.max as string);
      if (upper !== undefined) out.upperBounds.set(id, toBytes(a.type, upper));
    } else {
      out.lowerBounds.set(id, toBytes(a.type, a.min));
      out.upperBounds.set(id, toBytes(a.type, a.max));
    }
  }
  return out;
}

export interface FooterMetrics {
  readonly recordCount: bigint;
  readonly columnSizes: Map<number, bigint>;
  readonly splitOffsets: bigint[];
}

/** Column sizes by field id and row-group offsets, from the file's own footer. */
export function footerMetrics(bytes: Uint8Array): FooterMetrics {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  // Leaf path (names joined by '.') → field id, walking the flattened schema.
  const leafIds = new Map<string, number>();
  let index = 1;
  const walk = (prefix: string[], count: number): void => {
    for (let i = 0; i < count; i++) {
      const element = metadata.schema[index++];
      if (!element) return;
      const path = [...prefix, element.name];
      if (element.num_children) walk(path, element.num_children);
      else if (element.field_id !== undefined) leafIds.set(path.join('.'), element.field_id);
    }
  };
  walk([], metadata.schema[0]?.num_children ?? 0);
  const columnSizes = new Map<number, bigint>();
  const splitOffsets: bigint[] = [];
  for (const group of metadata.row_groups) {
    let start: bigint | undefined;
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta) continue;
      const id = leafIds.get(meta.path_in_schema.join('.'));
      if (id !== undefined) columnSizes.set(id, (columnSizes.get(id) ?? 0n) + BigInt(meta.total_compressed_size));
      const offset = BigInt(meta.dictionary_page_offset ?? meta.data_page_offset);
      if (start === undefined || offset < start) start = offset;
    }
    if (start !== undefined) splitOffsets.push(start);
  }
  return { recordCount: BigInt(metadata.num_rows), columnSizes, splitOffsets };
}
