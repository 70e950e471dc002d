// The AWS Glue Data Catalog as an Iceberg catalog (the layout Athena, EMR and pyiceberg's GlueCatalog use):
// a Glue table of type EXTERNAL_TABLE with parameters table_type=ICEBERG and metadata_location, and columns
// carrying `iceberg.field.id`. A commit reads the table (GetTable), checks that metadata_location is still the
// base, and updates it with the VersionId it read (UpdateTable), so Glue rejects it if anyone updated in between.
import {
  AlreadyExistsException,
  ConcurrentModificationException,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetDatabasesCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
  type Column,
  type GlueClientConfig,
  type TableInput,
} from '@aws-sdk/client-glue';
import { LakehouseError } from '../errors.ts';
import type { FileIO } from '../io/fileio.ts';
import { fileIOFor, joinPath } from '../io/index.ts';
import { currentSchema } from '../iceberg/schema.ts';
import type { IcebergType, TableMetadata } from '../iceberg/types.ts';
import {
  CommitConflictError,
  formatTableIdentifier,
  notFound,
  TableExistsError,
  type Catalog,
  type TableIdentifier,
} from './catalog.ts';

export interface GlueCatalogOptions {
  readonly name?: string;
  /** `s3://bucket/prefix` (or a local directory in tests of the pointer logic). */
  readonly warehouse: string;
  readonly client?: GlueClient;
  readonly clientConfig?: GlueClientConfig;
  readonly catalogId?: string;
  readonly io?: FileIO;
}

/** Hive type names Athena shows for Iceberg types. */
function hiveType(type: IcebergType): string {
  if (typeof type !== 'string') {
    if (type.type === 'struct') return `struct<${type.fields.map((f) => `${f.name}:${hiveType(f.type)}`).join(',')}>`;
    return `array<${hiveType(type.element)}>`;
  }
  if (type === 'timestamptz') return 'timestamp';
  if (type === 'long') return 'bigint';
  return type.replace(/\s+/g, '');
}

export function glueColumns(metadata: TableMetadata): Column[] {
  return currentSchema(metadata).fields.map((f) => ({
    Name: f.name,
    Type: hiveType(f.type),
    ...(f.doc ? { Comment: f.doc } : {}),
    Parameters: {
      'iceberg.field.id': String(f.id),
      'iceberg.field.optional': String(!f.required),
      'iceberg.field.current': 'true',
    },
  }));
}

export class GlueCatalog implements Catalog {
  readonly name: string;
  readonly warehouse: string;
  readonly io: FileIO;
  readonly client: GlueClient;
  private readonly catalogId: string | undefined;

  constructor(options: GlueCatalogOptions) {
    this.name = options.name ?? 'glue';
    this.warehouse = options.warehouse;
    this.client = options.client ?? new GlueClient(options.clientConfig ?? {});
    this.catalogId = options.catalogId;
    this.io = options.io ?? fileIOFor(this.warehouse);
  }

  tableLocation(table: TableIdentifier): string {
    return joinPath(this.warehouse, table.namespace, table.name);
  }

  async listNamespaces(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(new GetDatabasesCommand({ CatalogId: this.catalogId, NextToken: token }));
      names.push(...(out.DatabaseList ?? []).map((d) => d.Name ?? ''));
      token = out.NextToken;
    } while (token);
    return names.sort();
  }

  async createNamespace(namespace: string): Promise<void> {
    try {
      await this.client.send(
        new CreateDatabaseCommand({ CatalogId: this.catalogId, DatabaseInput: { Name: namespace } }),
      );
    } catch (error) {
      if (!(error instanceof AlreadyExistsException)) throw error;
    }
  }

  async listTables(namespace?: string): Promise<TableIdentifier[]> {
    const namespaces = namespace === undefined ? await this.listNamespaces() : [namespace];
    const out: TableIdentifier[] = [];
    for (const ns of namespaces) {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new GetTablesCommand({ CatalogId: this.catalogId, DatabaseName: ns, NextToken: token }),
        );
        for (const t of page.TableList ?? []) {
          if (t.Parameters?.table_type?.toUpperCase() === 'ICEBERG') out.push({ namespace: ns, name: t.Name ?? '' });
        }
        token = page.NextToken;
      } while (token);
    }
    return out;
  }

  private async getTable(table: TableIdentifier) {
    try {
      const out = await this.client.send(
        new GetTableCommand({ CatalogId: this.catalogId, DatabaseName: table.namespace, Name: table.name }),
      );
      if (!out.Table) throw notFound(table);
      return out.Table;
    } catch (error) {
      if (error instanceof EntityNotFoundException) throw notFound(table);
      throw error;
    }
  }

  async loadMetadataLocation(table: TableIdentifier): Promise<string> {
    const glueTable = await this.getTable(table);
    const location = glueTable.Parameters?.metadata_location;
    if (glueTable.Parameters?.table_type?.toUpperCase() !== 'ICEBERG' || !location) {
      throw new LakehouseError('NOT_FOUND', `Glue table ${formatTableIdentifier(table)} is not an Iceberg table`, {
        ...table,
      });
    }
    return location;
  }

  private tableInput(
    table: TableIdentifier,
    metadataLocation: string,
    metadata: TableMetadata,
    previous?: string,
  ): TableInput {
    return {
      Name: table.name,
      TableType: 'EXTERNAL_TABLE',
      Parameters: {
        table_type: 'ICEBERG',
        metadata_location: metadataLocation,
        ...(previous ? { previous_metadata_location: previous } : {}),
      },
      StorageDescriptor: { Location: metadata.location, Columns: glueColumns(metadata) },
    };
  }

  async createTable(table: TableIdentifier, metadataLocation: string, metadata: TableMetadata): Promise<void> {
    await this.createNamespace(table.namespace);
    try {
      await this.client.send(
        new CreateTableCommand({
          CatalogId: this.catalogId,
          DatabaseName: table.namespace,
          TableInput: this.tableInput(table, metadataLocation, metadata),
        }),
      );
    } catch (error) {
      if (error instanceof AlreadyExistsException) throw new TableExistsError(table);
      throw error;
    }
  }

  async commitTable(table: TableIdentifier, base: string, next: string, metadata: TableMetadata): Promise<void> {
    const current = await this.getTable(table);
    const location = current.Parameters?.metadata_location;
    if (location !== base) {
      throw new CommitConflictError(`${formatTableIdentifier(table)} is at ${location ?? 'nothing'}, not ${base}`, {
        table: formatTableIdentifier(table),
        base,
        current: location,
      });
    }
    try {
      await this.client.send(
        new UpdateTableCommand({
          CatalogId: this.catalogId,
          DatabaseName: table.namespace,
          TableInput: this.tableInput(table, next, metadata, base),
          VersionId: current.VersionId,
        }),
      );
    } catch (error) {
      if (error instanceof ConcurrentModificationException) {
        throw new CommitConflictError(`${formatTableIdentifier(table)}: Glue version ${current.VersionId} is stale`, {
          table: formatTableIdentifier(table),
          versionId: current.VersionId,
        });
      }
      throw error;
    }
  }

  async dropTable(table: TableIdentifier): Promise<void> {
    try {
      await this.client.send(
        new DeleteTableCommand({ CatalogId: this.catalogId, DatabaseName: table.namespace, Name: table.name }),
      );
    } catch (error) {
      if (error instanceof EntityNotFoundException) throw notFound(table);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
