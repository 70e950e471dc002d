// What pyarrow prints (through the read_parquet.py helpers) for a normalised value of a field: decimals as text,
// timestamps as {micros}, dates as {days}, longs as numbers; and field ids by dotted path, from a contract and from a
// schema read back. Shared by the Parquet read-back tests.
import type { Field } from '../../src/contracts/model.ts';
import { formatDecimal, type Normalised, type NormalisedStruct } from '../../src/records/values.ts';

export function expectedFromPyarrow(field: Field, value: Normalised): unknown {
  if (value === null) return null;
  const type = field.type;
  switch (type.kind) {
    case 'decimal':
      return formatDecimal(value as bigint, type.scale);
    case 'timestamp':
      return { micros: (value as bigint).toString() };
    case 'date':
      return { days: value };
    case 'long':
      return Number(value);
    case 'struct':
      return Object.fromEntries(
        type.fields.map((f) => [f.name, expectedFromPyarrow(f, (value as NormalisedStruct)[f.name] ?? null)]),
      );
    case 'list':
      return (value as Normalised[]).map((v) => expectedFromPyarrow(type.element, v));
    default:
      return value;
  }
}

/** Field ids by dotted path (`properties.page`, list elements as `items.element`), from the contract. */
export function contractFieldIds(fields: readonly Field[]): Record<string, number> {
  const ids: Record<string, number> = {};
  const visit = (f: Field, prefix: string) => {
    ids[prefix + f.name] = f.id;
    if (f.type.kind === 'struct') f.type.fields.forEach((m) => visit(m, `${prefix}${f.name}.`));
    if (f.type.kind === 'list') visit({ ...f.type.element, name: 'element' }, `${prefix}${f.name}.`);
  };
  fields.forEach((f) => visit(f, ''));
  return ids;
}

export interface ReadBackField {
  readonly name: string;
  readonly field_id: number;
  readonly children: readonly unknown[];
}

/** Field ids by dotted path, from the schema a reader printed. */
export function readBackFieldIds(schema: readonly ReadBackField[], prefix = ''): Record<string, number> {
  const ids: Record<string, number> = {};
  for (const f of schema) {
    ids[prefix + f.name] = f.field_id;
    Object.assign(ids, readBackFieldIds(f.children as ReadBackField[], `${prefix}${f.name}.`));
  }
  return ids;
}
