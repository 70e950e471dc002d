// `lakehouse query "<SQL>"`: DuckDB over every table's current snapshot (views <namespace>.<table>), plus the
// dbt marts file when it exists (marts.fct_orders, …).
import type { Command } from 'commander';
import { runQuery } from '../../iceberg/query/query.ts';
import { printSummary } from '../output.ts';
import { addCatalogOptions, openExistingCatalog, type CatalogCliOptions } from './tables.ts';

export async function query(sql: string, options: CatalogCliOptions) {
  const catalog = openExistingCatalog(options);
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
Prints a table; --json prints one JSON object per row (JSON lines); --summary one object with columns and rows.`,
    )
    .option('--json', 'JSON lines: one object per row')
    .option('--summary', 'one JSON object: {"sql","columns","types","row_count","rows"}')
    .action(async (sql: string, opts: CatalogCliOptions & { json?: boolean; summary?: boolean }) => {
      const result = await query(sql, opts);
      if (opts.summary) return printSummary(result);
      if (opts.json) {
        for (const row of result.rows) {
          process.stdout.write(JSON.stringify(Object.fromEntries(result.columns.map((c, i) => [c, row[i]]))) + '\n');
        }
        return;
      }
      process.stdout.write(formatTable(result.columns, result.rows));
    });
}

/** A plain text table, numbers right-aligned, like a SQL shell prints it. */
export function formatTable(columns: readonly string[], rows: readonly unknown[][]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
    return JSON.stringify(v);
  };
  const cells = rows.map((row) => row.map(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map((_, i) => rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join(' │ ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const count = `(${rows.length} row${rows.length === 1 ? '' : 's'})`;
  return [line(columns), rule, ...cells.map(line), count].join('\n') + '\n';
}
