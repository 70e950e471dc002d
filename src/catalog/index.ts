// Opening a catalog from command-line style options: the local SQL catalog by default, Glue on request.
import { join, resolve } from 'node:path';
import type { Catalog } from './catalog.ts';
import { GlueCatalog } from './glue.ts';
import { SqlCatalog } from './sql.ts';

export * from './catalog.ts';
export { GlueCatalog, glueColumns } from './glue.ts';
export { SqlCatalog } from './sql.ts';

/** `--warehouse`, else $LAKEHOUSE_HOME, else ./.lakehouse. */
export function defaultWarehouse(explicit?: string): string {
  const chosen = explicit ?? process.env.LAKEHOUSE_HOME ?? '.lakehouse';
  return /^s3a?:\/\//.test(chosen) ? chosen : resolve(chosen);
}

export interface OpenCatalogOptions {
  readonly warehouse?: string;
  readonly catalog?: 'sql' | 'glue';
  readonly name?: string;
}

export function openCatalog(options: OpenCatalogOptions = {}): Catalog {
  const warehouse = defaultWarehouse(options.warehouse);
  if (options.catalog === 'glue')
    return new GlueCatalog({ warehouse, ...(options.name ? { name: options.name } : {}) });
  return new SqlCatalog({
    warehouse,
    name: options.name ?? 'lakehouse',
    ...(/^s3a?:\/\//.test(warehouse) ? { database: join(resolve('.lakehouse'), 'catalog.db') } : {}),
  });
}
