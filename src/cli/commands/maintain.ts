// `lakehouse maintain <table>|--all`: compaction, snapshot expiry and orphan-file removal, in that order.
import type { Command } from 'commander';
import { defaultWarehouse, formatTableIdentifier, openCatalog, parseTableIdentifier } from '../../catalog/index.ts';
import { LakehouseError } from '../../errors.ts';
import { compact, expireSnapshots, removeOrphanFiles } from '../../iceberg/maintenance.ts';
import { Table } from '../../iceberg/table.ts';
import { parsePositiveInt, printSummary } from '../output.ts';
import { addCatalogOptions, type CatalogCliOptions } from './tables.ts';

export interface MaintainOptions extends CatalogCliOptions {
  /** Every table in the catalog instead of one (e.g. after a crash: orphans in raw.* and processed.*). */
  readonly all?: boolean;
  readonly compact?: boolean;
  readonly targetFileMb?: number;
  readonly expireOlderThan?: string;
  readonly retainLast?: number;
  readonly removeOrphans?: boolean;
  readonly orphanOlderThan?: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `7d`, `12h`, `30m`, `0s` → milliseconds, or an ISO timestamp → the age of that instant. */
export function parseAge(text: string, now = Date.now()): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (m) return now - Number(m[1]) * (UNITS[m[2] as string] as number);
  const instant = Date.parse(text);
  if (Number.isNaN(instant)) {
    throw new LakehouseError('CONFIG', `expected an age like 7d, 12h, 30m, 0s or an ISO timestamp, got "${text}"`);
  }
  return instant;
}

export async function maintain(name: string | undefined, options: MaintainOptions) {
  if ((name === undefined) === !options.all)
    throw new LakehouseError('CONFIG', 'give one table (namespace.table) or --all');
  const identifiers = name === undefined ? undefined : [parseTableIdentifier(name)];
  if (!options.compact && options.expireOlderThan === undefined && !options.removeOrphans) {
    throw new LakehouseError(
      'CONFIG',
      'nothing to do: give --compact, --expire-older-than <age> and/or --remove-orphans',
    );
  }
  const catalog = openCatalog({
    warehouse: defaultWarehouse(options.warehouse),
    ...(options.catalog ? { catalog: options.catalog } : {}),
  });
  try {
    const results: Record<string, unknown>[] = [];
    for (const identifier of identifiers ?? (await catalog.listTables()))
      results.push(await maintainTable(await Table.load(catalog, identifier), options));
    return identifiers ? (results[0] as Record<string, unknown>) : { tables: results };
  } finally {
    await catalog.close();
  }
}

async function maintainTable(table: Table, options: MaintainOptions): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { table: formatTableIdentifier(table.identifier) };
  if (options.compact) {
    const r = await compact(table, {
      ...(options.targetFileMb ? { targetFileBytes: options.targetFileMb * 1024 * 1024 } : {}),
    });
    out.compaction = {
      snapshot_id: r.snapshotId?.toString() ?? null,
      rewritten_files: r.rewrittenFiles,
      added_files: r.addedFiles,
      records: Number(r.records),
    };
  }
  if (options.expireOlderThan !== undefined) {
    const r = await expireSnapshots(table, {
      olderThanMs: parseAge(options.expireOlderThan),
      ...(options.retainLast ? { retainLast: options.retainLast } : {}),
    });
    out.expired = { snapshots: r.expiredSnapshots, deleted_files: r.deletedFiles.length };
  }
  if (options.removeOrphans) {
    const r = await removeOrphanFiles(table, { olderThanMs: parseAge(options.orphanOlderThan ?? '3d') });
    out.orphans = { deleted_files: r.orphans };
  }
  out.metadata_location = (await table.refresh()).metadataLocation;
  return out;
}

export function register(program: Command): void {
  addCatalogOptions(
    program
      .command('maintain')
      .description('Compact small files, expire old snapshots and remove orphan files of a table (or of all)')
      .argument('[table]', 'namespace.table')
      .option('--all', 'every table in the catalog')
      .option('--compact', 'rewrite small files of each partition into target-size files (a replace snapshot)')
      .option(
        '--target-file-mb <n>',
        'compaction target file size in MiB (default 128)',
        parsePositiveInt('--target-file-mb'),
      )
      .option('--expire-older-than <age>', 'expire snapshots older than this (7d, 12h, 0s or an ISO timestamp)')
      .option(
        '--retain-last <n>',
        'always keep this many recent snapshots (default 1)',
        parsePositiveInt('--retain-last'),
      )
      .option('--remove-orphans', 'delete files under the table location that no metadata references')
      .option('--orphan-older-than <age>', 'only orphans older than this (default 3d: never a write in flight)'),
  )
    .addHelpText(
      'after',
      '\nPrints one JSON object: {"table","compaction","expired","orphans","metadata_location"}; with --all,\n' +
        '{"tables":[…]} with one such object per table. After a crashed writer: --all --remove-orphans.',
    )
    .action(async (table: string | undefined, opts: MaintainOptions) => printSummary(await maintain(table, opts)));
}
