// Hidden partitioning: the contract's partition fields become an Iceberg partition spec, and each row's
// partition tuple is computed from its source value with the spec's transform (identity, year, month, day, hour).
import type { Contract } from '../contracts/model.ts';
import { LakehouseError } from '../errors.ts';
import type { Normalised } from '../records/values.ts';
import { indexById } from './schema.ts';
import type { IcebergType, PartitionFieldJson, PartitionSpec, Schema, SortOrder } from './types.ts';

const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;

export function partitionSpecFromContract(contract: Contract, specId = 0): PartitionSpec {
  return {
    'spec-id': specId,
    fields: contract.partitioning.map((p) => {
      const source = contract.fields.find((f) => f.name === p.source);
      if (!source) throw new LakehouseError('CONTRACT', `partition source "${p.source}" is not a field`);
      return { 'source-id': source.id, 'field-id': p.fieldId, name: p.name, transform: p.transform };
    }),
  };
}

export function sortOrderFromContract(contract: Contract): SortOrder {
  if (contract.sortOrder.length === 0) return { 'order-id': 0, fields: [] };
  return {
    'order-id': 1,
    fields: contract.sortOrder.map((s) => {
      const source = contract.fields.find((f) => f.name === s.source);
      if (!source) throw new LakehouseError('CONTRACT', `sort source "${s.source}" is not a field`);
      return {
        transform: 'identity',
        'source-id': source.id,
        direction: s.direction,
        'null-order': s.direction === 'asc' ? 'nulls-first' : 'nulls-last',
      };
    }),
  };
}

/** Result type of a transform (spec "Partition Transforms"): day → date, year/month/hour → int, identity → source. */
export function transformResultType(transform: string, sourceType: IcebergType): IcebergType {
  switch (transform) {
    case 'identity':
      return sourceType;
    case 'day':
      return 'date';
    case 'year':
    case 'month':
    case 'hour':
      return 'int';
    default:
      throw new LakehouseError('UNSUPPORTED_FORMAT', `unsupported partition transform "${transform}"`);
  }
}

export interface BoundPartitionField {
  readonly field: PartitionFieldJson;
  readonly sourceName: string;
  readonly sourceType: IcebergType;
  readonly resultType: IcebergType;
}

/** A spec bound to a schema: where each partition field reads its source, and the type it produces. */
export function bindSpec(spec: PartitionSpec, schema: Schema): BoundPartitionField[] {
  const index = indexById(schema.fields);
  return spec.fields.map((field) => {
    const source = index.get(field['source-id']);
    if (!source || source.path.length !== 1) {
      throw new LakehouseError('CONTRACT', `partition field "${field.name}" needs a top-level source column`);
    }
    return {
      field,
      sourceName: source.field.name,
      sourceType: source.field.type,
      resultType: transformResultType(field.transform, source.field.type),
    };
  });
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Applies a transform to one normalised source value. */
export function applyTransform(
  transform: string,
  sourceType: IcebergType,
  value: Normalised,
): number | bigint | string | boolean | null {
  if (value === null) return null;
  if (transform === 'identity') return value as number | bigint | string | boolean;
  let days: number;
  let micros: bigint | undefined;
  if (sourceType === 'timestamptz') {
    micros = value as bigint;
    days = Number(floorDiv(micros, MICROS_PER_DAY));
  } else if (sourceType === 'date') {
    days = value as number;
  } else {
    throw new LakehouseError('CONTRACT', `transform ${transform} needs a date or timestamp source`);
  }
  if (transform === 'day') return days;
  if (transform === 'hour') {
    if (micros === undefined) throw new LakehouseError('CONTRACT', 'hour transform needs a timestamp source');
    return Number(floorDiv(micros, MICROS_PER_HOUR));
  }
  const date = new Date(days * 86_400_000);
  const years = date.getUTCFullYear() - 1970;
  if (transform === 'year') return years;
  if (transform === 'month') return years * 12 + date.getUTCMonth();
  throw new LakehouseError('UNSUPPORTED_FORMAT', `unsupported partition transform "${transform}"`);
}

/** The human-readable value used in data file directory names (`event_ts_day=2026-11-06`). */
export function partitionPathValue(
  transform: string,
  resultType: IcebergType,
  value: number | bigint | string | boolean | null | undefined,
): string {
  if (value === null || value === undefined) return 'null';
  if (transform === 'day' || resultType === 'date')
    return new Date(Number(value) * 86_400_000).toISOString().slice(0, 10);
  if (transform === 'month') {
    const n = Number(value);
    return `${1970 + Math.floor(n / 12)}-${String((((n % 12) + 12) % 12) + 1).padStart(2, '0')}`;
  }
  if (transform === 'year') return String(1970 + Number(value));
  if (transform === 'hour') return new Date(Number(value) * 3_600_000).toISOString().slice(0, 13);
  return encodeURIComponent(String(value));
}
