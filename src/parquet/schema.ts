// The Parquet schema of a contract, per the Iceberg spec's Parquet appendix: a field_id on every column (nested
// ones and list elements included), timestamps as INT64 micros adjusted to UTC, dates as INT32 DATE, decimals as
// INT32 (p ≤ 9), INT64 (p ≤ 18) or fixed-length bytes, lists in the standard three-level form.
import type { SchemaElement } from 'hyparquet';
import type { Field, PrimitiveType } from '../contracts/model.ts';

export function parquetSchema(fields: readonly Field[]): SchemaElement[] {
  const elements: SchemaElement[] = [{ name: 'schema', num_children: fields.length }];
  for (const field of fields) appendField(elements, field, isOptional(field));
  return elements;
}

/** Iceberg `optional`: the key may be missing or the value null. */
export function isOptional(field: Field): boolean {
  return field.nullable || !field.required;
}

function appendField(out: SchemaElement[], field: Field, optional: boolean): void {
  const repetition_type = optional ? 'OPTIONAL' : 'REQUIRED';
  const type = field.type;
  if (type.kind === 'struct') {
    out.push({ name: field.name, repetition_type, num_children: type.fields.length, field_id: field.id });
    for (const member of type.fields) appendField(out, member, isOptional(member));
    return;
  }
  if (type.kind === 'list') {
    out.push({
      name: field.name,
      repetition_type,
      num_children: 1,
      converted_type: 'LIST',
      logical_type: { type: 'LIST' },
      field_id: field.id,
    });
    out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
    appendField(out, { ...type.element, name: 'element' }, type.element.nullable);
    return;
  }
  out.push({ name: field.name, repetition_type, field_id: field.id, ...primitive(type) });
}

function primitive(type: PrimitiveType): Omit<SchemaElement, 'name'> {
  switch (type.kind) {
    case 'string':
      return { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'int':
      return { type: 'INT32' };
    case 'long':
      return { type: 'INT64' };
    case 'double':
      return { type: 'DOUBLE' };
    case 'boolean':
      return { type: 'BOOLEAN' };
    case 'date':
      return { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'timestamp':
      return {
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'decimal': {
      const { precision, scale } = type;
      const decimal = {
        converted_type: 'DECIMAL',
        precision,
        scale,
        logical_type: { type: 'DECIMAL', precision, scale },
      } as const;
      if (precision <= 9) return { type: 'INT32', ...decimal };
      if (precision <= 18) return { type: 'INT64', ...decimal };
      return { type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalBytes(precision), ...decimal };
    }
  }
}

/** Minimum bytes for a two's-complement unscaled value of `precision` digits (Iceberg spec). */
export function decimalBytes(precision: number): number {
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) < 10n ** BigInt(precision)) bytes++;
  return bytes;
}
