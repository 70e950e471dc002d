// Contract fields ↔ Iceberg schemas. Field ids come from the contract and are never renumbered; a field is
// `required` in Iceberg only when the contract says it is always present and never null.
import type { Field, FieldType, PrimitiveType } from '../contracts/model.ts';
import { LakehouseError } from '../errors.ts';
import type { IcebergType, NestedField, Schema } from './types.ts';

/** Iceberg type of a contract type. Timestamps are UTC instants: `timestamptz`. */
export function icebergType(type: FieldType): IcebergType {
  switch (type.kind) {
    case 'struct':
      return { type: 'struct', fields: type.fields.map(nestedField) };
    case 'list':
      return {
        type: 'list',
        'element-id': type.element.id,
        element: icebergType(type.element.type),
        'element-required': !type.element.nullable,
      };
    case 'timestamp':
      return 'timestamptz';
    case 'decimal':
      return `decimal(${type.precision}, ${type.scale})`;
    default:
      return type.kind;
  }
}

export function isRequired(field: Field): boolean {
  return field.required && !field.nullable;
}

export function nestedField(field: Field): NestedField {
  return {
    id: field.id,
    name: field.name,
    required: isRequired(field),
    type: icebergType(field.type),
    ...(field.doc ? { doc: field.doc } : {}),
  };
}

export function schemaFromFields(fields: readonly Field[], schemaId: number, identifierIds: number[] = []): Schema {
  return {
    type: 'struct',
    'schema-id': schemaId,
    ...(identifierIds.length ? { 'identifier-field-ids': identifierIds } : {}),
    fields: fields.map(nestedField),
  };
}

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** The contract type of an Iceberg type (to write Parquet for a table's current schema). */
export function fieldType(type: IcebergType): FieldType {
  if (typeof type !== 'string') {
    if (type.type === 'struct') return { kind: 'struct', fields: type.fields.map(fieldOf) };
    return {
      kind: 'list',
      element: fieldOf({
        id: type['element-id'],
        name: 'element',
        required: type['element-required'],
        type: type.element,
      }),
    };
  }
  const decimal = DECIMAL.exec(type);
  if (decimal) return { kind: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const simple: Record<string, PrimitiveType> = {
    string: { kind: 'string' },
    int: { kind: 'int' },
    long: { kind: 'long' },
    double: { kind: 'double' },
    boolean: { kind: 'boolean' },
    date: { kind: 'date' },
    timestamptz: { kind: 'timestamp' },
  };
  const found = simple[type];
  if (!found) throw new LakehouseError('UNSUPPORTED_FORMAT', `unsupported Iceberg type "${type}"`, { type });
  return found;
}

export function fieldOf(field: NestedField): Field {
  return {
    id: field.id,
    name: field.name,
    type: fieldType(field.type),
    required: field.required,
    nullable: !field.required,
    rules: {},
    ...(field.doc ? { doc: field.doc } : {}),
  };
}

/** The table schema as contract fields, for the Parquet writer. */
export function fieldsOfSchema(schema: Schema): Field[] {
  return schema.fields.map(fieldOf);
}

export function highestFieldId(fields: readonly NestedField[]): number {
  let max = 0;
  const visit = (type: IcebergType): void => {
    if (typeof type === 'string') return;
    if (type.type === 'struct') {
      for (const f of type.fields) {
        max = Math.max(max, f.id);
        visit(f.type);
      }
    } else {
      max = Math.max(max, type['element-id']);
      visit(type.element);
    }
  };
  visit({ type: 'struct', fields });
  return max;
}

/** Every field by id, nested ones included, with the path of names to it. */
export function indexById(fields: readonly NestedField[]): Map<number, { field: NestedField; path: string[] }> {
  const index = new Map<number, { field: NestedField; path: string[] }>();
  const visit = (list: readonly NestedField[], prefix: string[]): void => {
    for (const f of list) {
      const path = [...prefix, f.name];
      index.set(f.id, { field: f, path });
      if (typeof f.type === 'string') continue;
      if (f.type.type === 'struct') visit(f.type.fields, path);
      else {
        const element: NestedField = {
          id: f.type['element-id'],
          name: 'element',
          required: f.type['element-required'],
          type: f.type.element,
        };
        visit([element], path);
      }
    }
  };
  visit(fields, []);
  return index;
}

/** Widening promotions the spec allows without rewriting data. */
function canPromote(from: IcebergType, to: IcebergType): boolean {
  if (from === to) return true;
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  if (from === 'int' && to === 'long') return true;
  if (from === 'float' && to === 'double') return true;
  const a = DECIMAL.exec(from);
  const b = DECIMAL.exec(to);
  return !!a && !!b && a[2] === b[2] && Number(b[1]) >= Number(a[1]);
}

export interface SchemaChange {
  readonly schema: Schema;
  readonly added: readonly string[];
  readonly widened: readonly string[];
}

/**
 * Evolves `current` towards `wanted` by field id: new fields are added (they must be optional, since existing
 * files do not have them), types may widen (int→long, float→double, decimal precision up), required may become
 * optional. Fields the new contract no longer lists stay in the table schema (dropping is an explicit act).
 * Returns undefined when nothing changes.
 */
export function evolveSchema(
  current: Schema,
  wanted: readonly NestedField[],
  newSchemaId: number,
): SchemaChange | undefined {
  const added: string[] = [];
  const widened: string[] = [];
  const merge = (have: readonly NestedField[], want: readonly NestedField[], prefix: string): NestedField[] => {
    const byId = new Map(want.map((f) => [f.id, f]));
    const out: NestedField[] = have.map((old) => {
      const next = byId.get(old.id);
      if (!next) return old;
      const path = prefix + old.name;
      let type: IcebergType = old.type;
      if (
        typeof old.type !== 'string' &&
        typeof next.type !== 'string' &&
        old.type.type === 'struct' &&
        next.type.type === 'struct'
      ) {
        type = { type: 'struct', fields: merge(old.type.fields, next.type.fields, `${path}.`) };
      } else if (JSON.stringify(old.type) !== JSON.stringify(next.type)) {
        if (!canPromote(old.type, next.type)) {
          throw new LakehouseError(
            'CONTRACT',
            `field "${path}" (id ${old.id}) cannot change from ${JSON.stringify(old.type)} to ${JSON.stringify(next.type)}: only int→long, float→double and wider decimals are allowed`,
            { field: path, id: old.id },
          );
        }
        type = next.type;
        widened.push(path);
      }
      if (!old.required && next.required) {
        throw new LakehouseError('CONTRACT', `field "${path}" (id ${old.id}) cannot become required`, { field: path });
      }
      return { ...old, type, required: old.required && next.required };
    });
    const known = new Set(have.map((f) => f.id));
    for (const next of want) {
      if (known.has(next.id)) continue;
      if (next.required) {
        throw new LakehouseError(
          'CONTRACT',
          `new field "${prefix}${next.name}" (id ${next.id}) must be optional: existing data files do not have it`,
          { field: prefix + next.name },
        );
      }
      out.push(next);
      added.push(prefix + next.name);
    }
    return out;
  };
  const fields = merge(current.fields, wanted, '');
  if (!added.length && !widened.length && JSON.stringify(fields) === JSON.stringify(current.fields)) return undefined;
  const { 'schema-id': _old, ...rest } = current;
  return { schema: { ...rest, 'schema-id': newSchemaId, fields }, added, widened };
}

export function currentSchema(metadata: { schemas: readonly Schema[]; 'current-schema-id': number }): Schema {
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
  if (!schema) throw new LakehouseError('INTERNAL', `metadata has no schema ${metadata['current-schema-id']}`);
  return schema;
}
