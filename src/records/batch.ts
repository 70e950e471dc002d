// Columnar record batches: one array per top-level field of the contract, filled row by row by the record path
// and read column by column by the Parquet and Iceberg writers. No object per record survives past validation.
import type { Contract } from '../contracts/model.ts';
import type { Normalised } from './values.ts';

export interface RecordBatch {
  readonly contract: Contract;
  readonly length: number;
  /** Keyed by top-level field name, for every field of `contract.fields` (input and derived). */
  readonly columns: ReadonlyMap<string, Normalised[]>;
}

export class BatchBuilder {
  readonly contract: Contract;
  private columns: Normalised[][];
  private rows = 0;

  constructor(contract: Contract) {
    this.contract = contract;
    this.columns = contract.fields.map(() => []);
  }

  get length(): number {
    return this.rows;
  }

  /** Appends a normalised row aligned with `contract.fields`. */
  append(row: readonly Normalised[]): void {
    for (let i = 0; i < this.columns.length; i++) (this.columns[i] as Normalised[]).push(row[i] ?? null);
    this.rows++;
  }

  /** Hands over the batch built so far and starts an empty one. */
  flush(): RecordBatch {
    const batch: RecordBatch = {
      contract: this.contract,
      length: this.rows,
      columns: new Map(this.contract.fields.map((f, i) => [f.name, this.columns[i] as Normalised[]])),
    };
    this.columns = this.contract.fields.map(() => []);
    this.rows = 0;
    return batch;
  }
}

export function sliceBatch(batch: RecordBatch, rowIndices: readonly number[]): RecordBatch {
  const columns = new Map<string, Normalised[]>();
  for (const [name, values] of batch.columns)
    columns.set(
      name,
      rowIndices.map((i) => values[i] ?? null),
    );
  return { contract: batch.contract, length: rowIndices.length, columns };
}

export function concatBatches(contract: Contract, batches: readonly RecordBatch[]): RecordBatch {
  const columns = new Map<string, Normalised[]>();
  for (const field of contract.fields)
    columns.set(
      field.name,
      batches.flatMap((b) => b.columns.get(field.name) ?? []),
    );
  return { contract, length: batches.reduce((n, b) => n + b.length, 0), columns };
}

/** Row `i` as a plain object (for tests, previews and quarantine messages; not for the hot path). */
export function rowOf(batch: RecordBatch, i: number): Record<string, Normalised> {
  const row: Record<string, Normalised> = {};
  for (const [name, values] of batch.columns) row[name] = values[i] ?? null;
  return row;
}
