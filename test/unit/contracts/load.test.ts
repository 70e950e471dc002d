import { describe, expect, it } from 'vitest';
import { BUILTIN_CONTRACTS, contractFromDocument, loadContract } from '../../../src/contracts/load.ts';
import { lastFieldId } from '../../../src/contracts/model.ts';
import { isLakehouseError } from '../../../src/errors.ts';

const base = () => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  'x-lakehouse': { dataset: 't', version: 1, primaryKey: ['id'], eventTime: 'ts' },
  required: ['id', 'ts'],
  properties: {
    id: { type: 'string', 'x-field-id': 1 },
    ts: { type: 'string', format: 'date-time', 'x-type': 'timestamp', 'x-field-id': 2 },
  } as Record<string, unknown>,
});

describe('contracts', () => {
  it('loads every built-in contract with unique field ids and the events contract exactly as specified', async () => {
    for (const name of BUILTIN_CONTRACTS) {
      const contract = await loadContract(name);
      expect(contract.name).toBe(name);
      expect(lastFieldId(contract)).toBeGreaterThan(contract.fields.length - 1);
    }
    const events = await loadContract('events');
    const summary = events.fields.map((f) => [f.name, f.id, f.type.kind, f.required, f.nullable]);
    expect(summary).toEqual([
      ['event_id', 1, 'string', true, false],
      ['user_id', 2, 'string', true, false],
      ['event_type', 3, 'string', true, false],
      ['event_ts', 4, 'timestamp', true, false],
      ['amount', 5, 'decimal', false, true],
      ['country', 6, 'string', true, false],
      ['session_id', 7, 'string', true, false],
      ['properties', 8, 'struct', false, true],
      ['event_date', 12, 'date', false, false],
    ]);
    expect(events.primaryKey).toEqual(['event_id']);
    expect(events.eventTime).toBe('event_ts');
    expect(events.partitioning).toEqual([
      { source: 'event_ts', transform: 'day', name: 'event_ts_day', fieldId: 1000 },
    ]);
    expect(events.fields[4]?.type).toEqual({ kind: 'decimal', precision: 12, scale: 2 });
    expect(events.fields[4]?.rules).toMatchObject({ minimum: 0, maximum: 1_000_000 });
    const props = events.fields[7]?.type;
    expect(props?.kind === 'struct' && props.fields.map((f) => [f.name, f.id, f.type.kind, f.nullable])).toEqual([
      ['page', 9, 'string', true],
      ['referrer', 10, 'string', true],
      ['ab', 11, 'int', true],
    ]);
  });

  it.each([
    [
      'a duplicate field id',
      (d: ReturnType<typeof base>) => void (d.properties.ts = { type: 'string', 'x-field-id': 1 }),
      /field id 1 is used twice/,
    ],
    [
      'a missing field id',
      (d: ReturnType<typeof base>) => void (d.properties.extra = { type: 'string' }),
      /needs a positive integer "x-field-id"/,
    ],
    [
      'an optional primary key',
      (d: ReturnType<typeof base>) => void (d.required = ['ts']),
      /primary key field "id" must exist, be required/,
    ],
    [
      'an event time that is not a timestamp',
      (d: ReturnType<typeof base>) => void (d['x-lakehouse'].eventTime = 'id'),
      /must be a timestamp field/,
    ],
    [
      'an unknown x-type',
      (d: ReturnType<typeof base>) => void (d.properties.id = { type: 'string', 'x-type': 'uuid7', 'x-field-id': 1 }),
      /unknown x-type/,
    ],
    [
      'an invalid JSON Schema',
      (d: ReturnType<typeof base>) => void (d.properties.id = { type: 'strin', 'x-field-id': 1 }),
      /invalid JSON Schema/,
    ],
  ])('rejects %s with a clear error', (_name, mutate, message) => {
    const document = base();
    mutate(document);
    let error: unknown;
    try {
      contractFromDocument(document, 'test.json');
    } catch (e) {
      error = e;
    }
    expect(isLakehouseError(error, 'CONTRACT')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
