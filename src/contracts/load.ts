// Loads a data contract (JSON Schema 2020-12 + the `x-lakehouse` vocabulary) into the `Contract` model and
// checks the rules the rest of the system relies on: unique, explicit field ids; a primary key of required
// fields; an event-time timestamp; partition and transform sources that exist.
import { readFile } from 'node:fs/promises';
import { LakehouseError, ioError } from '../errors.ts';
import type {
  Contract,
  Field,
  FieldRules,
  FieldType,
  PartitionField,
  PrimitiveType,
  SortField,
  TransformSpec,
} from './model.ts';
import { schemaValidatorFor } from './vocabulary.ts';
// Static imports, so that Lambda bundles carry the built-in contracts with them.
import eventsDocument from './datasets/events.json' with { type: 'json' };
import ordersDocument from './datasets/orders.json' with { type: 'json' };
import usersDocument from './datasets/users.json' with { type: 'json' };

const BUILTIN_DOCUMENTS: Readonly<Record<string, unknown>> = {
  events: eventsDocument,
  users: usersDocument,
  orders: ordersDocument,
};
export const BUILTIN_CONTRACTS = ['events', 'users', 'orders'] as const;

type Json = Record<string, unknown>;

const cache = new Map<string, Promise<Contract>>();

/** A built-in contract by name (`events`), or a contract file by path (`./contracts/x.json`). */
export function loadContract(nameOrPath: string): Promise<Contract> {
  let pending = cache.get(nameOrPath);
  if (!pending) {
    pending = readContract(nameOrPath);
    cache.set(nameOrPath, pending);
    pending.catch(() => cache.delete(nameOrPath));
  }
  return pending;
}

async function readContract(nameOrPath: string): Promise<Contract> {
  const builtin = (BUILTIN_CONTRACTS as readonly string[]).includes(nameOrPath);
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  if (!builtin && !looksLikePath) {
    throw new LakehouseError(
      'NOT_FOUND',
      `unknown contract "${nameOrPath}": built-in contracts are ${BUILTIN_CONTRACTS.join(', ')}, or give a path to a .json contract`,
      { contract: nameOrPath },
    );
  }
  if (builtin) return contractFromDocument(structuredClone(BUILTIN_DOCUMENTS[nameOrPath]), `builtin:${nameOrPath}`);
  const path = nameOrPath;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw ioError('reading contract', path, error);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new LakehouseError('CONTRACT', `contract ${path} is not valid JSON: ${(error as Error).message}`, { path });
  }
  return contractFromDocument(document, path);
}

export function contractFromDocument(document: unknown, source: string): Contract {
  const fail = (message: string): never => {
    throw new LakehouseError('CONTRACT', `contract ${source}: ${message}`, { source });
  };
  if (!isObject(document)) return fail('must be a JSON object');
  if (document.$schema !== 'https://json-schema.org/draft/2020-12/schema') {
    fail('"$schema" must be "https://json-schema.org/draft/2020-12/schema"');
  }
  if (document.type !== 'object' || !isObject(document.properties)) {
    fail('must describe an object with "properties"');
  }
  // Compiling it through ajv checks it against the 2020-12 meta-schema and our vocabulary.
  try {
    schemaValidatorFor(document);
  } catch (error) {
    fail(`invalid JSON Schema: ${(error as Error).message}`);
  }
  const meta = document['x-lakehouse'];
  if (!isObject(meta)) return fail('missing the "x-lakehouse" object (dataset, version, primaryKey, …)');
  const name = typeof meta.dataset === 'string' ? meta.dataset : fail('"x-lakehouse.dataset" must be a string');
  const version = Number.isInteger(meta.version)
    ? (meta.version as number)
    : fail('"x-lakehouse.version" must be an integer');

  const required = new Set(asStringArray(document.required));
  const inputFields = Object.entries(document.properties as Json).map(([fieldName, schema]) =>
    fieldFromSchema(fieldName, schema, required.has(fieldName), fail),
  );
  const transforms = (Array.isArray(meta.transforms) ? meta.transforms : []) as TransformSpec[];
  const derivedFields: Field[] = transforms
    .filter((t): t is Extract<TransformSpec, { op: 'derive' }> => t.op === 'derive')
    .map((t) => ({
      id: t.fieldId,
      name: t.field,
      type: { kind: 'date' } as const,
      required: false,
      nullable: false,
      rules: {},
      derived: t,
      doc: `Derived: ${t.fn}(${t.from})`,
    }));
  const fields = [...inputFields, ...derivedFields];

  const ids = new Set<number>();
  const visit = (field: Field): void => {
    if (!Number.isInteger(field.id) || field.id <= 0)
      fail(`field "${field.name}" needs a positive integer "x-field-id"`);
    if (ids.has(field.id)) fail(`field id ${field.id} is used twice (field "${field.name}")`);
    ids.add(field.id);
    if (field.type.kind === 'struct') field.type.fields.forEach(visit);
    if (field.type.kind === 'list') visit(field.type.element);
  };
  fields.forEach(visit);

  const byName = new Map(fields.map((f) => [f.name, f]));
  const primaryKey = asStringArray(meta.primaryKey);
  if (primaryKey.length === 0) fail('"x-lakehouse.primaryKey" must name at least one field');
  for (const key of primaryKey) {
    const field = byName.get(key);
    if (!field || !field.required || field.nullable)
      fail(`primary key field "${key}" must exist, be required and not null`);
  }
  const eventTime = typeof meta.eventTime === 'string' ? meta.eventTime : undefined;
  if (eventTime !== undefined && byName.get(eventTime)?.type.kind !== 'timestamp') {
    fail(`event-time field "${eventTime}" must be a timestamp field`);
  }
  const partitioning = (Array.isArray(meta.partitioning) ? meta.partitioning : []) as PartitionField[];
  for (const p of partitioning) {
    const sourceField = byName.get(p.source);
    if (!sourceField) fail(`partition source "${p.source}" is not a field`);
    if (p.transform !== 'identity' && !['timestamp', 'date'].includes(sourceField?.type.kind ?? '')) {
      fail(`partition transform ${p.transform}(${p.source}) needs a date or timestamp field`);
    }
    if (!Number.isInteger(p.fieldId) || p.fieldId < 1000) fail(`partition field "${p.name}" needs a fieldId >= 1000`);
  }
  const sortOrder = (Array.isArray(meta.sortOrder) ? meta.sortOrder : []) as SortField[];
  for (const s of sortOrder) if (!byName.has(s.source)) fail(`sort field "${s.source}" is not a field`);
  for (const t of transforms) {
    if (t.op === 'uppercase' || t.op === 'lowercase' || (t.op === 'trim' && t.fields)) {
      for (const f of t.fields ?? [])
        if (byName.get(f)?.type.kind !== 'string') fail(`${t.op} needs string field "${f}"`);
    } else if (t.op === 'derive') {
      if (byName.get(t.from)?.type.kind !== 'timestamp') fail(`derive ${t.field}: "${t.from}" must be a timestamp`);
    } else if (t.op !== 'dedupe' && t.op !== 'trim') {
      fail(`unknown transform op "${(t as { op: string }).op}"`);
    }
  }

  return {
    name,
    version,
    description: typeof document.description === 'string' ? document.description : undefined,
    source,
    inputFields,
    fields,
    primaryKey,
    eventTime,
    partitioning,
    sortOrder,
    transforms,
    additionalProperties: document.additionalProperties !== false,
    document,
  };
}

function fieldFromSchema(name: string, schema: unknown, required: boolean, fail: (m: string) => never): Field {
  if (!isObject(schema)) return fail(`field "${name}" must have a schema object`);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  const nullable = types.includes('null');
  const nonNull = types.filter((t) => t !== 'null');
  const id = schema['x-field-id'] as number;
  const rules: FieldRules = pickRules(schema);
  const doc = typeof schema.description === 'string' ? schema.description : undefined;
  let type: FieldType;
  const xType = schema['x-type'];
  if (typeof xType === 'string') {
    type = parseXType(xType) ?? fail(`field "${name}": unknown x-type "${xType}"`);
  } else if (nonNull.includes('object')) {
    const props = isObject(schema.properties) ? schema.properties : fail(`struct field "${name}" needs "properties"`);
    const req = new Set(asStringArray(schema.required));
    type = { kind: 'struct', fields: Object.entries(props).map(([n, s]) => fieldFromSchema(n, s, req.has(n), fail)) };
  } else if (nonNull.includes('array')) {
    const items = isObject(schema.items) ? schema.items : fail(`list field "${name}" needs "items"`);
    type = { kind: 'list', element: fieldFromSchema('element', items, true, fail) };
  } else if (schema.format === 'date-time') {
    type = { kind: 'timestamp' };
  } else if (schema.format === 'date') {
    type = { kind: 'date' };
  } else if (nonNull.includes('integer')) {
    type = { kind: 'long' };
  } else if (nonNull.includes('number')) {
    type = { kind: 'double' };
  } else if (nonNull.includes('boolean')) {
    type = { kind: 'boolean' };
  } else if (nonNull.includes('string')) {
    type = { kind: 'string' };
  } else {
    return fail(`field "${name}": cannot infer a type from ${JSON.stringify(schema.type)}; add "x-type"`);
  }
  return { id, name, type, required, nullable, rules, ...(doc ? { doc } : {}) };
}

export function parseXType(text: string): PrimitiveType | undefined {
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(text);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision < 1 || precision > 38 || scale > precision) return undefined;
    return { kind: 'decimal', precision, scale };
  }
  const simple = ['string', 'int', 'long', 'double', 'boolean', 'date', 'timestamp'] as const;
  const kind = simple.find((k) => k === text);
  return kind ? { kind } : undefined;
}

function pickRules(schema: Json): FieldRules {
  const rules: Record<string, unknown> = {};
  for (const key of [
    'enum',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    'pattern',
    'minLength',
    'maxLength',
    'minItems',
    'maxItems',
    'format',
  ]) {
    if (schema[key] !== undefined) rules[key] = schema[key];
  }
  return rules;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asStringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
