// The embedded SQL catalog: SQLite through node:sqlite, with the Iceberg JDBC-catalog tables
// (`iceberg_tables`, `iceberg_namespace_properties`) so pyiceberg's SqlCatalog and Spark's JdbcCatalog open the
// same file. A commit is `UPDATE … WHERE metadata_location = <base>`: one statement, atomic across processes;
// zero rows changed means another writer got there first.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type * as Sqlite from 'node:sqlite';
import { LakehouseError } from '../errors.ts';
import type { FileIO } from '../io/fileio.ts';
import { fileIOFor, isS3, joinPath } from '../io/index.ts';
import type { TableMetadata } from '../iceberg/types.ts';
import {
  CommitConflictError,
  formatTableIdentifier,
  notFound,
  TableExistsError,
  type Catalog,
  type TableIdentifier,
} from './catalog.ts';

/** Loads node:sqlite, silencing only its one "SQLite is an experimental feature" warning. */
function loadSqlite(): typeof Sqlite {
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const first = rest[0];
    const type = typeof first === 'string' ? first : (first as { type?: string } | undefined)?.type;
    const message = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && message.startsWith('SQLite')) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  try {
    return createRequire(import.meta.url)('node:sqlite') as typeof Sqlite;
  } finally {
    process.emitWarning = original;
  }
}

// The JDBC catalog's DDL (iceberg_type is the V1 schema's extra column; V0 readers ignore it).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS iceberg_tables (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name)
);
CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255) NOT NULL,
  property_value VARCHAR(1000),
  PRIMARY KEY (catalog_name, namespace, property_key)
);`;

export interface SqlCatalogOptions {
  /** Catalog name, the `catalog_name` column (default `lakehouse`). */
  readonly name?: string;
  /** Warehouse root: a local directory or `s3://bucket/prefix`. */
  readonly warehouse: string;
  /** SQLite file (default `<warehouse>/catalog.db`; required for an S3 warehouse). */
  readonly database?: string;
  readonly io?: FileIO;
}

export class SqlCatalog implements Catalog {
  readonly name: string;
  readonly warehouse: string;
  readonly io: FileIO;
  readonly database: string;
  private readonly db: Sqlite.DatabaseSync;

  constructor(options: SqlCatalogOptions) {
    this.name = options.name ?? 'lakehouse';
    this.warehouse = isS3(options.warehouse) ? options.warehouse : resolve(options.warehouse);
    if (!options.database && isS3(this.warehouse)) {
      throw new LakehouseError('CONFIG', 'an S3 warehouse needs an explicit SQLite database path for the SQL catalog');
    }
    this.database = resolve(options.database ?? join(this.warehouse, 'catalog.db'));
    this.io = options.io ?? fileIOFor(this.warehouse);
    mkdirSync(dirname(this.database), { recursive: true });
    const { DatabaseSync } = loadSqlite();
    try {
      this.db = new DatabaseSync(this.database);
      // Writers in other processes hold the lock for one short statement; wait for it rather than fail.
      this.db.exec('PRAGMA busy_timeout = 10000');
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec(SCHEMA);
    } catch (error) {
      throw new LakehouseError('IO', `opening SQL catalog ${this.database}: ${(error as Error).message}`, {
        path: this.database,
      });
    }
  }

  async listNamespaces(): Promise<string[]> {
    const rows = this.db
      .prepare(
        `SELECT namespace AS ns FROM iceberg_namespace_properties WHERE catalog_name = ?
         UNION SELECT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = ? ORDER BY 1`,
      )
      .all(this.name, this.name) as { ns: string }[];
    return rows.map((r) => r.ns);
  }

  async createNamespace(namespace: string): Promise<void> {
    // pyiceberg marks a namespace with the property exists=true.
    this.db
      .prepare(
        `INSERT OR IGNORE INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value)
         VALUES (?, ?, 'exists', 'true')`,
      )
      .run(this.name, namespace);
  }

  async listTables(namespace?: string): Promise<TableIdentifier[]> {
    const rows = (
      namespace === undefined
        ? this.db
            .prepare('SELECT table_namespace, table_name FROM iceberg_tables WHERE catalog_name = ? ORDER BY 1, 2')
            .all(this.name)
        : this.db
            .prepare(
              'SELECT table_namespace, table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? ORDER BY 2',
            )
            .all(this.name, namespace)
    ) as { table_namespace: string; table_name: string }[];
    return rows.map((r) => ({ namespace: r.table_namespace, name: r.table_name }));
  }

  async loadMetadataLocation(table: TableIdentifier): Promise<string> {
    const row = this.db
      .prepare(
        'SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?',
      )
      .get(this.name, table.namespace, table.name) as { metadata_location: string | null } | undefined;
    if (!row?.metadata_location) throw notFound(table);
    return row.metadata_location;
  }

  async createTable(table: TableIdentifier, metadataLocation: string): Promise<void> {
    await this.createNamespace(table.namespace);
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO iceberg_tables
           (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)
         VALUES (?, ?, ?, ?, NULL, 'TABLE')`,
      )
      .run(this.name, table.namespace, table.name, metadataLocation);
    if (Number(result.changes) === 0) throw new TableExistsError(table);
  }

  async commitTable(table: TableIdentifier, base: string, next: string, _metadata?: TableMetadata): Promise<void> {
    const result = this.db
      .prepare(
        `UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ?
         WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?`,
      )
      .run(next, base, this.name, table.namespace, table.name, base);
    if (Number(result.changes) === 0) {
      throw new CommitConflictError(`${formatTableIdentifier(table)} changed since ${base} was read`, {
        table: formatTableIdentifier(table),
        base,
      });
    }
  }

  async dropTable(table: TableIdentifier): Promise<void> {
    const result = this.db
      .prepare('DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?')
      .run(this.name, table.namespace, table.name);
    if (Number(result.changes) === 0) throw notFound(table);
  }

  tableLocation(table: TableIdentifier): string {
    return joinPath(this.warehouse, table.namespace, table.name);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
