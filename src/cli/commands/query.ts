// `lakehouse query "<SQL>"`: DuckDB over every table's current snapshot (views <namespace>.<table>), plus the
// dbt marts file when it exists (marts.fct_orders, …).
import type { Command } from 'commander';
import { defaultWarehouse, openCatalog } from '../../catalog/index.ts';
import { runQuery } from '../../iceberg/query/query.ts';
import { printSummary } from '../output.ts';
import { addCatalogOptions, type CatalogCliOptions } from './tables.ts';

export async function query(sql: string, options: CatalogCliOptions) {
  const catalog = openCatalog({
    warehouse: defaultWarehouse(options.warehouse),
    ...(options.catalog ? { catalog: options.catalog } : {}),
  });
  try {
    const result = await runQuery(sql, catalog);
    return { sql, columns: result.columns, types: result.types, row_count: result.rows.length, rows: result.rows };
  } finally {
    await catalog.close();
  }
}

export function register(program: Command): void {
  addCatalogOptions(
    program
      .command('query')
      .description("Run SQL in DuckDB over the tables' current snapshots (read by Iceberg field id)")
      .argument('<sql>', 'e.g. "SELECT country, count(*) FROM raw.events GROUP BY 1"'),
  )
    .addHelpText(
      'after',
      `
Every table is a view <namespace>.<table>; <warehouse>/marts.duckdb (built by dbt) is attached read-only as "marts".
Needs the tools venv (DuckDB + iceberg extension): set LAKEHOUSE_PYTHON to use another interpreter.
Prints one JSON object: {"sql","columns","types","row_count","rows"}.`,
    )
    .action(async (sql: string, opts: CatalogCliOptions) => printSummary(await query(sql, opts)));
}
