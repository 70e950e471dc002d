// `lakehouse tables`: the catalog's tables with their current snapshot and size.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultWarehouse, formatTableIdentifier, openCatalog, type Catalog } from '../../catalog/index.ts';
import { LakehouseError } from '../../errors.ts';
import { currentSnapshot } from '../../iceberg/metadata.ts';
import { currentSchema } from '../../iceberg/schema.ts';
// loadTable, not Table: reading metadata needs none of the writer's Parquet and Avro modules.
import { loadTable } from '../../iceberg/commit.ts';
import { isS3 } from '../../io/index.ts';
import { printSummary } from '../output.ts';

export interface CatalogCliOptions {
  readonly warehouse?: string;
  readonly catalog?: 'sql' | 'glue';
}

/**
 * The catalog for a command that only reads (tables, snapshots, query). Opening the local SQL catalog creates its
 * database, so a mistyped --warehouse or a command run in the wrong folder would leave an empty warehouse behind
 * and report "no tables"; instead a missing one is an error.
 */
export function openExistingCatalog(options: CatalogCliOptions): Catalog {
  const warehouse = defaultWarehouse(options.warehouse);
  const local = (options.catalog ?? 'sql') === 'sql' && !isS3(warehouse);
  if (local && !existsSync(join(warehouse, 'catalog.db'))) {
    throw new LakehouseError(
      'NOT_FOUND',
      `no warehouse at ${warehouse}: create one with \`lakehouse run\` or \`lakehouse ingest\`, or pass --warehouse`,
      { warehouse },
    );
  }
  return openCatalog({ warehouse, ...(options.catalog ? { catalog: options.catalog } : {}) });
}

export async function listTables(options: CatalogCliOptions) {
  const catalog = openExistingCatalog(options);
  try {
    const tables = [];
    for (const identifier of await catalog.listTables()) {
      const table = await loadTable(catalog, identifier);
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
