// The raw layer: every record the stream delivered, valid or not, as received — the replayable history.
// A raw table has the same small schema whatever the dataset, so a contract change never breaks it.
import type { Contract } from '../contracts/model.ts';

export function rawContract(dataset: string): Contract {
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `raw ${dataset}`,
    type: 'object',
  };
  return {
    name: `raw_${dataset}`,
    version: 1,
    description: `Every ${dataset} record received from the stream, as received`,
    source: `raw:${dataset}`,
    inputFields: [],
    fields: [
      {
        id: 1,
        name: 'payload',
        type: { kind: 'string' },
        required: true,
        nullable: false,
        rules: {},
        doc: 'The record as received (JSON text)',
      },
      {
        id: 2,
        name: 'job_id',
        type: { kind: 'string' },
        required: false,
        nullable: true,
        rules: {},
        doc: 'The API job that accepted it',
      },
      {
        id: 3,
        name: 'stream_position',
        type: { kind: 'string' },
        required: true,
        nullable: false,
        rules: {},
        doc: '<shard>:<sequence number>',
      },
      {
        id: 4,
        name: 'received_at',
        type: { kind: 'timestamp' },
        required: true,
        nullable: false,
        rules: {},
        doc: 'When the stream stored it (UTC)',
      },
    ],
    primaryKey: ['stream_position'],
    eventTime: 'received_at',
    partitioning: [{ source: 'received_at', transform: 'day', name: 'received_at_day', fieldId: 1000 }],
    sortOrder: [],
    transforms: [],
    additionalProperties: true,
    document,
  };
}
