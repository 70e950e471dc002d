// `lakehouse tables`: the catalog's tables with their current snapshot and size.
import type { Command } from 'commander';
import { defaultWarehouse, formatTableIdentifier, openCatalog } from '../../catalog/index.ts';
import { currentSnapshot } from '../../iceberg/metadata.ts';
import { currentSchema } from '../../iceberg/schema.ts';
import { Table } from '../../iceberg/table.ts';
import { printSummary } from '../output.ts';

export interface CatalogCliOptions {
  readonly warehouse?: string;
  readonly catalog?: 'sql' | 'glue';
}

export async function listTables(options: CatalogCliOptions) {
  const catalog = openCatalog({
    warehouse: defaultWarehouse(options.warehouse),
    ...(options.catalog ? { catalog: options.catalog } : {}),
  });
  try {
    const tables = [];
    for (const identifier of await catalog.listTables()) {
      const table = await Table.load(catalog, identifier);
      const snapshot = currentSnapshot(table.metadata);
      tables.push({
        table: formatTableIdentifier(identifier),
        location: table.metadata.location,
        metadata_location: table.metadataLocation,
        schema_id: currentSchema(table.metadata)['schema-id'],
        columns: currentSchema(table.metadata).fields.length,
        snapshots: table.metadata.snapshots.length,
        current_snapshot_id: snapshot?.['snapshot-id'].toString() ?? null,
        records: Number(snapshot?.summary['total-records'] ?? 0),
        data_files: Number(snapshot?.summary['total-data-files'] ?? 0),
        bytes: Number(snapshot?.summary['total-files-size'] ?? 0),
      });
    }
    return { warehouse: catalog.warehouse, catalog: catalog.name, tables };
  } finally {
    await catalog.close();
  }
}

export function addCatalogOptions(command: Command): Command {
  return command
    .option('--warehouse <dir|s3://…>', 'warehouse root (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--catalog <sql|glue>', 'catalog: the local SQLite catalog (default) or AWS Glue', 'sql');
}

export function register(program: Command): void {
  addCatalogOptions(
    program.command('tables').description('List the Iceberg tables in the catalog with their current snapshot'),
  )
    .addHelpText(
      'after',
      '\nPrints one JSON object: {"warehouse","catalog","tables":[{"table","records","snapshots",…}]}.',
    )
    .action(async (opts: CatalogCliOptions) => printSummary(await listTables(opts)));
}
