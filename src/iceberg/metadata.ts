// Table metadata files: creation from a contract, lossless JSON (64-bit ids as bigint via lossless-json), file
// naming (`<version>-<uuid>.metadata.json`, the version is what pyiceberg and Spark expect to increment), and the
// small queries everyone needs (current snapshot, ancestry).
import { randomUUID } from 'node:crypto';
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';
import { LakehouseError } from '../errors.ts';
import { joinPath } from '../io/fileio.ts';
import type { Field } from '../contracts/model.ts';
import { schemaFromFields, highestFieldId } from './schema.ts';
import type { PartitionSpec, Snapshot, SortOrder, TableMetadata } from './types.ts';

export interface NewTable {
  readonly location: string;
  readonly fields: readonly Field[];
  readonly identifierFieldIds?: number[];
  readonly spec: PartitionSpec;
  readonly sortOrder: SortOrder;
  readonly properties?: Readonly<Record<string, string>>;
}

export const DEFAULT_PROPERTIES: Readonly<Record<string, string>> = {
  'write.format.default': 'parquet',
  'write.parquet.compression-codec': 'zstd',
  'write.metadata.delete-after-commit.enabled': 'false',
};

export function newTableMetadata(table: NewTable): TableMetadata {
  const schema = schemaFromFields(table.fields, 0, table.identifierFieldIds);
  return {
    'format-version': 2,
    'table-uuid': randomUUID(),
    location: table.location,
    'last-sequence-number': 0n,
    'last-updated-ms': Date.now(),
    'last-column-id': highestFieldId(schema.fields),
    schemas: [schema],
    'current-schema-id': 0,
    'partition-specs': [table.spec],
    'default-spec-id': table.spec['spec-id'],
    'last-partition-id': Math.max(999, ...table.spec.fields.map((f) => f['field-id'])),
    properties: { ...DEFAULT_PROPERTIES, ...table.properties },
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [table.sortOrder],
    'default-sort-order-id': table.sortOrder['order-id'],
    refs: {},
  };
}

// Keys whose values are 64-bit ids or sequence numbers: always bigint in the model, whatever their size.
const BIGINT_KEYS = new Set([
  'snapshot-id',
  'parent-snapshot-id',
  'current-snapshot-id',
  'sequence-number',
  'last-sequence-number',
]);

export function parseMetadata(text: string, path = '<metadata>'): TableMetadata {
  let value: unknown;
  try {
    value = parse(
      text,
      (key, v) => (BIGINT_KEYS.has(key) && (typeof v === 'number' || typeof v === 'bigint') ? BigInt(v) : v),
      (digits) => (isInteger(digits) && !isSafeNumber(digits) ? BigInt(digits) : Number(digits)),
    );
  } catch (error) {
    throw new LakehouseError('PARSE', `${path} is not valid JSON: ${(error as Error).message}`, { path });
  }
  const metadata = value as TableMetadata;
  if (metadata?.['format-version'] !== 2) {
    throw new LakehouseError('UNSUPPORTED_FORMAT', `${path}: only Iceberg format-version 2 tables are supported`, {
      path,
    });
  }
  // A snapshot id of -1 is how some writers say "none".
  if (metadata['current-snapshot-id'] === -1n) {
    const { 'current-snapshot-id': _none, ...rest } = metadata;
    void _none;
    return rest;
  }
  return metadata;
}

export function serializeMetadata(metadata: TableMetadata): string {
  const text = stringify(metadata, undefined, 2);
  if (text === undefined) throw new LakehouseError('INTERNAL', 'metadata did not serialise');
  return text;
}

/** The version number encoded in a metadata file name (`00003-…` → 3), or -1. */
export function metadataVersion(location: string | undefined): number {
  const m = location ? /(\d+)-[^/]*\.metadata\.json$/.exec(location) : null;
  return m ? Number(m[1]) : -1;
}

export function newMetadataLocation(tableLocation: string, previous: string | undefined): string {
  const version = metadataVersion(previous) + 1;
  return joinPath(tableLocation, 'metadata', `${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`);
}

export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata['current-snapshot-id'];
  return id === undefined ? undefined : metadata.snapshots.find((s) => s['snapshot-id'] === id);
}

/** The current snapshot and its parents, newest first (stops where history was expired). */
export function ancestors(metadata: TableMetadata): Snapshot[] {
  const byId = new Map(metadata.snapshots.map((s) => [s['snapshot-id'], s]));
  const out: Snapshot[] = [];
  let next = currentSnapshot(metadata);
  while (next) {
    out.push(next);
    const parent = next['parent-snapshot-id'];
    next = parent === undefined ? undefined : byId.get(parent);
  }
  return out;
}

/** A fresh positive 63-bit snapshot id. */
export function newSnapshotId(): bigint {
  const bytes = new BigUint64Array(1);
  crypto.getRandomValues(bytes);
  return (bytes[0] as bigint) & 0x7fff_ffff_ffff_ffffn || 1n;
}

/** Metadata after committing a snapshot on `main`: snapshot list, sequence number, refs and logs updated. */
export function withSnapshot(base: TableMetadata, baseLocation: string | undefined, snapshot: Snapshot): TableMetadata {
  const now = snapshot['timestamp-ms'];
  return {
    ...base,
    'last-sequence-number': snapshot['sequence-number'],
    'last-updated-ms': now,
    'current-snapshot-id': snapshot['snapshot-id'],
    snapshots: [...base.snapshots, snapshot],
    'snapshot-log': [...base['snapshot-log'], { 'timestamp-ms': now, 'snapshot-id': snapshot['snapshot-id'] }],
    'metadata-log': withMetadataLog(base, baseLocation),
    refs: { ...base.refs, main: { 'snapshot-id': snapshot['snapshot-id'], type: 'branch' } },
  };
}

export function withMetadataLog(base: TableMetadata, baseLocation: string | undefined): TableMetadata['metadata-log'] {
  if (!baseLocation) return base['metadata-log'];
  const max = Number(base.properties['write.metadata.previous-versions-max'] ?? 100);
  return [...base['metadata-log'], { 'timestamp-ms': base['last-updated-ms'], 'metadata-file': baseLocation }].slice(
    -max,
  );
}
