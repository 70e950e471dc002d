// Lineage columns every processed table carries: when a row was ingested and where it came from. Their ids sit
// far above contract ids (10001+), so contracts can grow without colliding with them.
import type { Field } from '../contracts/model.ts';
import type { RecordBatch } from '../records/batch.ts';
import type { Normalised } from '../records/values.ts';

export const INGESTED_AT_FIELD: Field = {
  id: 10001,
  name: '_ingested_at',
  type: { kind: 'timestamp' },
  required: true,
  nullable: false,
  rules: {},
  doc: 'When the writer started the batch that holds the row (UTC): stamped before the commit, so not in commit order',
};

export const SOURCE_FIELD: Field = {
  id: 10002,
  name: '_source',
  type: { kind: 'string' },
  required: true,
  nullable: false,
  rules: {},
  doc: 'Where the row came from: a file path, api:<job>, kinesis:<shard>, …',
};

export const LINEAGE_FIELDS: readonly Field[] = [INGESTED_AT_FIELD, SOURCE_FIELD];

/** The contract's fields followed by the lineage columns: the schema of a processed table. */
export function tableFields(contractFields: readonly Field[]): Field[] {
  return [
    ...contractFields.filter((f) => f.id !== INGESTED_AT_FIELD.id && f.id !== SOURCE_FIELD.id),
    ...LINEAGE_FIELDS,
  ];
}

/** The batch with both lineage columns filled in. */
export function withLineage(batch: RecordBatch, source: string, ingestedAtMicros: bigint): RecordBatch {
  const columns = new Map<string, Normalised[]>(batch.columns);
  columns.set(INGESTED_AT_FIELD.name, new Array<Normalised>(batch.length).fill(ingestedAtMicros));
  columns.set(SOURCE_FIELD.name, new Array<Normalised>(batch.length).fill(source));
  return { contract: batch.contract, length: batch.length, columns };
}

export function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}
