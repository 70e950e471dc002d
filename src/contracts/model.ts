// The in-memory model of a data contract. Contracts are stored as JSON Schema 2020-12 documents with the
// `x-lakehouse` vocabulary (see docs/adr/0002-data-contracts.md); `load.ts` turns a document into this model.
// Everything downstream — validation, transformation, Parquet/Iceberg schemas, Glue columns, the API's
// OpenAPI document, dbt tests — reads this model, never the raw document.

export type PrimitiveType =
  | { readonly kind: 'string' }
  | { readonly kind: 'int' }
  | { readonly kind: 'long' }
  | { readonly kind: 'double' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number };

export interface StructType {
  readonly kind: 'struct';
  readonly fields: readonly Field[];
}

export interface ListType {
  readonly kind: 'list';
  /** The element is a field of its own so that it carries an Iceberg field id (`element-id`). */
  readonly element: Field;
}

export type FieldType = PrimitiveType | StructType | ListType;

export interface FieldRules {
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  /** JSON Schema `format` for strings (uuid, email, date-time, date). */
  readonly format?: string;
}

export interface Field {
  /** Iceberg / Parquet field id. Stable for the life of the dataset: never reused, never renumbered. */
  readonly id: number;
  readonly name: string;
  readonly type: FieldType;
  /** The key must be present (JSON Schema `required`). */
  readonly required: boolean;
  /** The value may be null. A field that is optional or nullable is an optional Iceberg column. */
  readonly nullable: boolean;
  readonly doc?: string;
  readonly rules: FieldRules;
  /** Set for columns computed by a `derive` transform rather than received. */
  readonly derived?: DeriveTransform;
}

export type PartitionTransform = 'identity' | 'year' | 'month' | 'day' | 'hour';

export interface PartitionField {
  readonly source: string;
  readonly transform: PartitionTransform;
  readonly name: string;
  /** Partition field id (Iceberg: from 1000 up). */
  readonly fieldId: number;
}

export interface SortField {
  readonly source: string;
  readonly direction: 'asc' | 'desc';
}

export interface TrimTransform {
  readonly op: 'trim';
  /** Top-level string fields to trim; all string fields when omitted. */
  readonly fields?: readonly string[];
}
export interface CaseTransform {
  readonly op: 'uppercase' | 'lowercase';
  readonly fields: readonly string[];
}
export interface DeriveTransform {
  readonly op: 'derive';
  readonly field: string;
  readonly fieldId: number;
  /** `date`: the UTC calendar date of a timestamp. */
  readonly fn: 'date';
  readonly from: string;
}
export interface DedupeTransform {
  readonly op: 'dedupe';
  /** Which duplicate of a primary key within one batch survives; the others are quarantined. */
  readonly keep: 'first' | 'last';
}
export type TransformSpec = TrimTransform | CaseTransform | DeriveTransform | DedupeTransform;

export interface Contract {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  /** Where the contract was loaded from (file path or `builtin:<name>`). */
  readonly source: string;
  /** Received fields, in document order. */
  readonly inputFields: readonly Field[];
  /** Received fields followed by derived ones: the table schema. */
  readonly fields: readonly Field[];
  readonly primaryKey: readonly string[];
  readonly eventTime?: string;
  readonly partitioning: readonly PartitionField[];
  readonly sortOrder: readonly SortField[];
  readonly transforms: readonly TransformSpec[];
  /** Unknown top-level keys are a violation unless the contract allows them. */
  readonly additionalProperties: boolean;
  /** The JSON Schema document itself (for ajv, OpenAPI and export). */
  readonly document: Readonly<Record<string, unknown>>;
}

/** Highest field id in use, nested and derived fields included (Iceberg `last-column-id`). */
export function lastFieldId(contract: Contract): number {
  let max = 0;
  const visit = (field: Field): void => {
    max = Math.max(max, field.id);
    if (field.type.kind === 'struct') field.type.fields.forEach(visit);
    if (field.type.kind === 'list') visit(field.type.element);
  };
  contract.fields.forEach(visit);
  return max;
}

export function fieldByName(contract: Contract, name: string): Field | undefined {
  return contract.fields.find((field) => field.name === name);
}
