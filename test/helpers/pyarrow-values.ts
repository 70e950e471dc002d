// What pyarrow prints (through the read_parquet.py helpers) for a normalised value of a field: decimals as text,
// timestamps as {micros}, dates as {days}, longs as numbers. Shared by the Parquet read-back tests.
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
