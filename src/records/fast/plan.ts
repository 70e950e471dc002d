// The fast path's plan for one contract: which fields it can parse straight into typed columns, with which
// transforms and which column checks. A contract the plan cannot cover exactly (lists, deep nesting, schema
// keywords it does not model, an enrich hook) gets no plan, and the general path handles all of its records.
//
// The plan is *sound, not complete*: whenever a check cannot decide (an unusual format, a string with escapes,
// a number it would have to round), the record goes to the general path, which produces the exact result and
// every violation. So the fast path never accepts what the general path would reject, and vice versa.
import type { Contract, Field, FieldType } from '../../contracts/model.ts';
import { leafKind } from '../../parquet/columnar/from-batch.ts';

export type FastKind = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'date' | 'timestamp' | 'decimal' | 'struct';

export interface FastField {
  readonly field: Field;
  readonly name: string;
  readonly nameBytes: Uint8Array;
  /** `"name":` as bytes: what a compact record holds before the value. */
  readonly keyBytes: Uint8Array;
  /**
   * `keyBytes` as little-endian 32-bit words for comparing 4 bytes at a time: the whole words from the start, then
   * the last 4 bytes (overlapping the word before when the length is not a multiple of 4). Empty below 4 bytes.
   */
  readonly keyWords: Int32Array;
  readonly kind: FastKind;
  /** Which JSON value types the schema's `type` admits. */
  readonly allowsString: boolean;
  readonly allowsNumber: boolean;
  readonly allowsInteger: boolean;
  readonly allowsNull: boolean;
  readonly allowsBoolean: boolean;
  readonly required: boolean;
  /** Normalising transforms applied before validation (ASCII only on this path). */
  readonly trim: boolean;
  readonly caseFold: 'upper' | 'lower' | undefined;
  /** Decimal scale; for decimals and integers the bounds scaled to unscaled integers when exact. */
  readonly scale: number;
  readonly precision: number;
  readonly bounds: Bounds;
  readonly enumBytes: readonly Uint8Array[] | undefined;
  readonly pattern: RegExp | undefined;
  readonly minLength: number | undefined;
  readonly maxLength: number | undefined;
  /** `uuid` is checked on bytes; any other format sends the record to the general path. */
  readonly format: string | undefined;
  /** Index of this field's leaf vector (primitives), or of its first member's (structs). */
  readonly leaf: number;
  /** Struct members, in contract order. */
  readonly members: readonly FastField[];
  /** Bit of this field in the "seen" mask of its object. */
  readonly bit: number;
}

/** Inclusive/exclusive bounds on the unscaled value; `undecidable` when they cannot be compared exactly. */
export interface Bounds {
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly exclusiveMin: number | undefined;
  readonly exclusiveMax: number | undefined;
  readonly undecidable: boolean;
}

export interface LeafPlan {
  readonly field: Field;
  readonly path: readonly string[];
  readonly kind: 'int32' | 'int64' | 'double' | 'boolean' | 'bytes';
  readonly maxDefinitionLevel: number;
  /** Definition level when the leaf's parent struct is null (only for struct members). */
  readonly parentOptional: boolean;
}

export interface FastPlan {
  readonly contract: Contract;
  readonly fields: readonly FastField[];
  readonly leaves: readonly LeafPlan[];
  /** Derived columns: target leaf ← date of source timestamp leaf. */
  readonly derivations: readonly { readonly target: number; readonly source: number }[];
  /** Leaf index of the primary key's single column (the fast path de-duplicates single-column keys only). */
  readonly primaryKeyLeaf: number | undefined;
  readonly keep: 'first' | 'last' | undefined;
}

const TOP_KEYWORDS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'type',
  'x-lakehouse',
  'required',
  'additionalProperties',
  'properties',
  'examples',
]);
const FIELD_KEYWORDS = new Set([
  'type',
  'description',
  'title',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'x-field-id',
  'x-type',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
]);
const STRUCT_KEYWORDS = new Set([...FIELD_KEYWORDS, 'properties', 'required', 'additionalProperties']);

type Schema = Readonly<Record<string, unknown>>;

/** The fast plan of a contract, or why there is none. */
export function planFor(contract: Contract): FastPlan | { unsupported: string } {
  const document = contract.document;
  for (const key of Object.keys(document))
    if (!TOP_KEYWORDS.has(key)) return { unsupported: `top-level keyword ${key}` };
  if (document.additionalProperties !== false) return { unsupported: 'additionalProperties is not false' };
  if (contract.inputFields.length > 30) return { unsupported: 'more than 30 fields' };
  const properties = (document.properties ?? {}) as Record<string, Schema>;
  const trimmed = new Set<string>();
  const upper = new Set<string>();
  const lower = new Set<string>();
  let keep: 'first' | 'last' | undefined;
  for (const t of contract.transforms) {
    if (t.op === 'trim')
      for (const f of t.fields ?? contract.inputFields.filter((x) => x.type.kind === 'string').map((x) => x.name))
        trimmed.add(f);
    else if (t.op === 'uppercase') for (const f of t.fields) upper.add(f);
    else if (t.op === 'lowercase') for (const f of t.fields) lower.add(f);
    else if (t.op === 'dedupe') keep = t.keep;
    else if (t.op === 'derive' && t.fn !== 'date') return { unsupported: `derive ${String(t.fn)}` };
  }
  // Case transforms run in contract order; when a field gets both, the order matters: leave it to the general path.
  for (const name of upper) if (lower.has(name)) return { unsupported: `both upper- and lower-casing ${name}` };

  const leaves: LeafPlan[] = [];
  const fields: FastField[] = [];
  for (const [bit, field] of contract.inputFields.entries()) {
    const schema = properties[field.name];
    if (!schema) return { unsupported: `no schema for ${field.name}` };
    const planned = planField(field, schema, bit, [], false, leaves, { trimmed, upper, lower });
    if ('unsupported' in planned) return planned;
    fields.push(planned);
  }
  const derivations: { target: number; source: number }[] = [];
  for (const field of contract.fields) {
    if (!field.derived) continue;
    const source = fields.find((f) => f.name === field.derived?.from);
    if (!source || source.kind !== 'timestamp') return { unsupported: `derived ${field.name}` };
    derivations.push({ target: leaves.length, source: source.leaf });
    leaves.push({
      field,
      path: [field.name],
      kind: 'int32',
      maxDefinitionLevel: optional(field) ? 1 : 0,
      parentOptional: false,
    });
  }
  let primaryKeyLeaf: number | undefined;
  if (keep) {
    if (contract.primaryKey.length !== 1) return { unsupported: 'composite primary key' };
    const key = fields.find((f) => f.name === contract.primaryKey[0]);
    if (!key || key.kind === 'struct' || key.kind === 'double') return { unsupported: 'primary key type' };
    primaryKeyLeaf = key.leaf;
  }
  return { contract, fields, leaves, derivations, primaryKeyLeaf, keep };
}

const optional = (field: Field): boolean => field.nullable || !field.required;

interface CaseSets {
  trimmed: ReadonlySet<string>;
  upper: ReadonlySet<string>;
  lower: ReadonlySet<string>;
}

function planField(
  field: Field,
  schema: Schema,
  bit: number,
  parents: readonly string[],
  parentOptional: boolean,
  leaves: LeafPlan[],
  cases: CaseSets,
): FastField | { unsupported: string } {
  const kind = fastKind(field.type);
  if (!kind) return { unsupported: `${field.name}: ${field.type.kind}` };
  const allowed = kind === 'struct' ? STRUCT_KEYWORDS : FIELD_KEYWORDS;
  for (const key of Object.keys(schema)) if (!allowed.has(key)) return { unsupported: `${field.name}: keyword ${key}` };
  const types = new Set(Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]);
  const rules = field.rules;
  const top = parents.length === 0;
  const scale = field.type.kind === 'decimal' ? field.type.scale : 0;
  const precision = field.type.kind === 'decimal' ? field.type.precision : 0;
  if (field.type.kind === 'decimal' && precision > 18) return { unsupported: `${field.name}: decimal precision` };
  const enumValues = rules.enum;
  if (enumValues?.some((v) => typeof v !== 'string' || !isAscii(v))) return { unsupported: `${field.name}: enum` };
  const members: FastField[] = [];
  const leaf = leaves.length;
  if (kind === 'struct') {
    if (!top) return { unsupported: `${field.name}: nested struct` };
    if (schema.additionalProperties !== false) return { unsupported: `${field.name}: additionalProperties` };
    const memberSchemas = (schema.properties ?? {}) as Record<string, Schema>;
    const structFields = field.type.kind === 'struct' ? field.type.fields : [];
    for (const [memberBit, member] of structFields.entries()) {
      const memberSchema = memberSchemas[member.name];
      if (!memberSchema) return { unsupported: `no schema for ${field.name}.${member.name}` };
      const planned = planField(member, memberSchema, memberBit, [field.name], optional(field), leaves, {
        trimmed: new Set(),
        upper: new Set(),
        lower: new Set(),
      });
      if ('unsupported' in planned) return planned;
      members.push(planned);
    }
  } else {
    const depth = (parentOptional ? 1 : 0) + (optional(field) ? 1 : 0);
    const path = [...parents, field.name];
    leaves.push({
      field,
      path,
      // The Parquet layout of the field (decimals over 18 digits and lists were refused above).
      kind: leafKind(field, path),
      maxDefinitionLevel: depth,
      parentOptional,
    });
  }
  const key = new Uint8Array(Buffer.from(`${JSON.stringify(field.name)}:`, 'utf8'));
  return {
    field,
    name: field.name,
    nameBytes: new Uint8Array(Buffer.from(field.name, 'utf8')),
    keyBytes: key,
    keyWords: keyWordsOf(key),
    kind,
    allowsString: types.has('string'),
    allowsNumber: types.has('number'),
    allowsInteger: types.has('integer') || types.has('number'),
    allowsNull: types.has('null'),
    allowsBoolean: types.has('boolean'),
    required: field.required,
    trim: top && cases.trimmed.has(field.name) && kind === 'string',
    caseFold:
      !top || kind !== 'string'
        ? undefined
        : cases.upper.has(field.name)
          ? 'upper'
          : cases.lower.has(field.name)
            ? 'lower'
            : undefined,
    scale,
    precision,
    bounds: boundsOf(rules, scale),
    enumBytes: enumValues?.map((v) => new Uint8Array(Buffer.from(v, 'latin1'))),
    pattern: rules.pattern === undefined ? undefined : new RegExp(rules.pattern, 'u'),
    minLength: rules.minLength,
    maxLength: rules.maxLength,
    format: rules.format,
    leaf,
    members,
    bit,
  };
}

function fastKind(type: FieldType): FastKind | undefined {
  return type.kind === 'list' ? undefined : type.kind;
}

function boundsOf(rules: Field['rules'], scale: number): Bounds {
  let undecidable = false;
  const scaled = (bound: number | undefined): number | undefined => {
    if (bound === undefined) return undefined;
    const value = bound * 10 ** scale;
    if (!Number.isSafeInteger(value)) undecidable = true;
    return value;
  };
  const bounds = {
    min: scaled(rules.minimum),
    max: scaled(rules.maximum),
    exclusiveMin: scaled(rules.exclusiveMinimum),
    exclusiveMax: scaled(rules.exclusiveMaximum),
  };
  return { ...bounds, undecidable };
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e || text.charCodeAt(i) < 0x20) return false;
  return true;
}

function keyWordsOf(key: Uint8Array): Int32Array {
  if (key.length < 4) return new Int32Array(0);
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const whole = key.length >> 2;
  const words = new Int32Array(key.length % 4 === 0 ? whole : whole + 1);
  for (let w = 0; w < whole; w++) words[w] = view.getInt32(4 * w, true);
  words[words.length - 1] = view.getInt32(key.length - 4, true);
  return words;
}
