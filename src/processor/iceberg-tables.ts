// The processor's TableWriter over Iceberg tables in any catalog (SQL locally, Glue in AWS): creates a table from
// its contract on first use, keeps its schema up with the contract, and appends with the stream checkpoint.
import type { Catalog } from '../catalog/catalog.ts';
import type { Contract } from '../contracts/model.ts';
import { committedCheckpoint, Table } from '../iceberg/table.ts';
import type { RecordBatch } from '../records/batch.ts';
import type { ColumnarBatch } from '../records/columns.ts';
import type { AppendResult, Checkpoint, TableWriter } from './types.ts';

export class IcebergTables implements TableWriter {
  private readonly catalog: Catalog;
  private readonly tables = new Map<string, Promise<Table>>();
  private readonly namespaces = new Map<string, Promise<void>>();

  constructor(catalog: Catalog) {
    this.catalog = catalog;
  }

  async committedOffset(
    namespace: string,
    name: string,
    contract: Contract,
    source: string,
  ): Promise<bigint | undefined> {
    const table = await (await this.table(namespace, name, contract)).refresh();
    return committedCheckpoint(table.metadata, source);
  }

  async append(
    namespace: string,
    name: string,
    contract: Contract,
    batch: RecordBatch | ColumnarBatch,
    checkpoint: Checkpoint,
  ): Promise<AppendResult> {
    const table = await this.table(namespace, name, contract);
    const result = await table.append(batch, {
      checkpoint: { source: checkpoint.source, offset: BigInt(checkpoint.offset) },
    });
    const duplicate = result.noop && ('leaves' in batch ? batch.rows : batch.length) > 0;
    return {
      snapshotId:
        result.snapshotId?.toString() ?? (duplicate ? table.metadata['current-snapshot-id']?.toString() : undefined),
      duplicate,
    };
  }

  private table(namespace: string, name: string, contract: Contract): Promise<Table> {
    const key = `${namespace}.${name}`;
    let table = this.tables.get(key);
    if (!table) {
      table = (async () => {
        let ready = this.namespaces.get(namespace);
        if (!ready) {
          ready = this.catalog.createNamespace(namespace);
          this.namespaces.set(namespace, ready);
        }
        await ready;
        const loaded = await Table.createOrLoad(this.catalog, { namespace, name }, contract);
        await loaded.evolveSchema(contract);
        return loaded;
      })();
      table.catch(() => this.tables.delete(key));
      this.tables.set(key, table);
    }
    return table;
  }
}
