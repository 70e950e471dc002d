// The catalog interface: where a table's current metadata file is recorded, and the atomic swap of that pointer
// that makes a commit. Everything else (metadata, manifests, data) is files written through FileIO.
import { LakehouseError } from '../errors.ts';
import type { FileIO } from '../io/fileio.ts';
import type { TableMetadata } from '../iceberg/types.ts';

export interface TableIdentifier {
  readonly namespace: string;
  readonly name: string;
}

export interface Catalog {
  readonly name: string;
  /** Root under which new tables are placed: `<warehouse>/<namespace>/<table>`. */
  readonly warehouse: string;
  readonly io: FileIO;
  /** Where a new table's files go. */
  tableLocation(table: TableIdentifier): string;
  listNamespaces(): Promise<string[]>;
  /** Creates a namespace; existing ones are left alone. */
  createNamespace(namespace: string): Promise<void>;
  listTables(namespace?: string): Promise<TableIdentifier[]>;
  /** The current metadata file of a table (`NOT_FOUND` if the table does not exist). */
  loadMetadataLocation(table: TableIdentifier): Promise<string>;
  /** Registers a new table whose first metadata file is already written (`CONFLICT` if it exists). */
  createTable(table: TableIdentifier, metadataLocation: string, metadata: TableMetadata): Promise<void>;
  /**
   * Swaps the table's pointer from `base` to `next` only if it still is `base`; otherwise throws
   * `CommitConflictError` and changes nothing.
   */
  commitTable(table: TableIdentifier, base: string, next: string, metadata: TableMetadata): Promise<void>;
  dropTable(table: TableIdentifier): Promise<void>;
  close(): Promise<void>;
}

/** Another writer committed first: refresh, re-apply the change, try again. */
export class CommitConflictError extends LakehouseError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
    this.name = 'CommitConflictError';
  }
}

export class TableExistsError extends LakehouseError {
  constructor(table: TableIdentifier) {
    super('CONFLICT', `table ${table.namespace}.${table.name} already exists`, { ...table });
    this.name = 'TableExistsError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `namespace.table`; both parts are plain identifiers (they become paths and Glue names). */
export function parseTableIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p))) {
    throw new LakehouseError(
      'CONFIG',
      `table must be <namespace>.<table> with identifiers [A-Za-z_][A-Za-z0-9_]*, got "${text}"`,
      {
        table: text,
      },
    );
  }
  return { namespace: parts[0] as string, name: parts[1] as string };
}

export function formatTableIdentifier(table: TableIdentifier): string {
  return `${table.namespace}.${table.name}`;
}

export function notFound(table: TableIdentifier): LakehouseError {
  return new LakehouseError('NOT_FOUND', `no table ${formatTableIdentifier(table)} in the catalog`, { ...table });
}
