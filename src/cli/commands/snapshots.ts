// `lakehouse snapshots <table>`: a table's snapshot history (newest last), with summaries.
import type { Command } from 'commander';
import { formatTableIdentifier, parseTableIdentifier } from '../../catalog/index.ts';
import { loadTable } from '../../iceberg/commit.ts';
import { printSummary } from '../output.ts';
import { addCatalogOptions, openExistingCatalog, type CatalogCliOptions } from './tables.ts';

export async function listSnapshots(name: string, options: CatalogCliOptions) {
  const identifier = parseTableIdentifier(name);
  const catalog = openExistingCatalog(options);
  try {
    const table = await loadTable(catalog, identifier);
    const m = table.metadata;
    return {
      table: formatTableIdentifier(identifier),
      metadata_location: table.metadataLocation,
      current_snapshot_id: m['current-snapshot-id']?.toString() ?? null,
      snapshots: m.snapshots.map((s) => ({
        snapshot_id: s['snapshot-id'].toString(),
        parent_snapshot_id: s['parent-snapshot-id']?.toString() ?? null,
        sequence_number: Number(s['sequence-number']),
        timestamp: new Date(s['timestamp-ms']).toISOString(),
        operation: s.summary.operation,
        manifest_list: s['manifest-list'],
        summary: s.summary,
      })),
    };
  } finally {
    await catalog.close();
  }
}

export function register(program: Command): void {
  addCatalogOptions(
    program
      .command('snapshots')
      .description("Show a table's snapshots: id, parent, sequence number, operation and summary")
      .argument('<table>', 'namespace.table'),
  )
    .addHelpText('after', '\nPrints one JSON object: {"table","current_snapshot_id","snapshots":[…]}.')
    .action(async (table: string, opts: CatalogCliOptions) => printSummary(await listSnapshots(table, opts)));
}
