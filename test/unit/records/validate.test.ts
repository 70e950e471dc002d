import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { RecordProcessor } from '../../../src/records/pipeline.ts';
import type { Violation } from '../../../src/records/validate.ts';
import { validEvent } from '../../helpers/collect.ts';

const events = await loadContract('events');
const orders = await loadContract('orders');
const users = await loadContract('users');

function violations(contract: typeof events, record: unknown): Violation[] {
  const result = new RecordProcessor(contract).toRow(record, false);
  return Array.isArray(result) ? [] : result.violations;
}

describe('validation reports every violation with path, rule, expected and actual', () => {
  it('accepts a valid event and normalises its values', () => {
    const row = new RecordProcessor(events).toRow(validEvent({ amount: '12.50', country: ' fr ' }), false);
    expect(Array.isArray(row)).toBe(true);
    const values = Object.fromEntries(events.fields.map((f, i) => [f.name, (row as unknown[])[i]]));
    expect(values.amount).toBe(1250n);
    expect(values.country).toBe('FR'); // trimmed and upper-cased before validation
    expect(values.event_ts).toBe(BigInt(Date.UTC(2026, 10, 6, 15, 54, 57, 100)) * 1000n + 583n);
    expect(values.event_date).toBe(Date.UTC(2026, 10, 6) / 86_400_000);
    expect(values.properties).toEqual({ page: '/', referrer: null, ab: 5 });
  });

  it('reports all violations of one record, not the first', () => {
    const found = violations(events, {
      ...validEvent(),
      user_id: 'user-1',
      event_type: 'hover',
      event_ts: '2026-11-06T15:54:57',
      amount: -1,
      country: 'FRA',
      session_id: undefined,
      properties: { page: 'x', ab: 12 },
      surprise: true,
    });
    const byPath = Object.fromEntries(found.map((v) => [v.path, v]));
    expect(byPath['/user_id']).toMatchObject({ rule: 'pattern', actual: 'user-1', expected: 'matches ^u[0-9]{6}$' });
    expect(byPath['/event_type']).toMatchObject({ rule: 'enum', actual: 'hover' });
    expect(byPath['/event_ts']?.rule).toMatch(/format|timestamp/);
    expect(byPath['/amount']).toMatchObject({ rule: 'minimum', expected: '>= 0', actual: -1 });
    expect(byPath['/country']).toMatchObject({ rule: 'pattern', actual: 'FRA' });
    expect(byPath['/session_id']).toMatchObject({ rule: 'required', actual: '(missing)' });
    expect(byPath['/properties/ab']).toMatchObject({ rule: 'maximum', expected: '<= 9', actual: 12 });
    expect(byPath['/surprise']).toMatchObject({ rule: 'unknown_field', actual: true });
    expect(found.length).toBeGreaterThanOrEqual(8);
  });

  it.each([
    ['type', { user_id: 42 }, '/user_id', 'string'],
    ['decimal scale', { amount: '1.234' }, '/amount', 'decimal(12,2)'],
    ['decimal integer digits', { amount: '12345678901.00' }, '/amount', 'decimal(12,2)'],
    ['decimal string maximum', { amount: '1000000.01' }, '/amount', '<= 1000000'],
    ['microsecond precision', { event_ts: '2026-11-06T15:54:57.1234567Z' }, '/event_ts', 'at most 6 fractional digits'],
    ['uuid format', { event_id: 'not-a-uuid' }, '/event_id', 'uuid'],
    ['max length', { session_id: 'x'.repeat(65) }, '/session_id', '<= 64 characters'],
    ['nested type', { properties: { ab: 'five' } }, '/properties/ab', 'integer,null'],
  ])('%s', (_name, override, path, expected) => {
    const found = violations(events, validEvent(override));
    expect(found).toContainEqual(expect.objectContaining({ path, expected }));
  });

  it('checks nested list elements with their index in the path', () => {
    const order = {
      order_id: 'o00000001',
      order_number: '9007199254740993',
      user_id: 'u000001',
      order_ts: '2026-11-01T10:00:00+02:00',
      status: 'paid',
      currency: 'EUR',
      total_amount: '10.00',
      line_items: [
        { sku: 'SKU-00001', quantity: 1, unit_price: '10.00' },
        { sku: 'BAD', quantity: 0, unit_price: '1.001' },
      ],
    };
    const found = violations(orders, order);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/line_items/1/sku', rule: 'pattern' }),
        expect.objectContaining({ path: '/line_items/1/quantity', rule: 'minimum' }),
        expect.objectContaining({ path: '/line_items/1/unit_price', rule: 'decimal' }),
      ]),
    );
    const ok = new RecordProcessor(orders).toRow({ ...order, line_items: [order.line_items[0]] }, false);
    expect(Array.isArray(ok)).toBe(true);
    const values = Object.fromEntries(orders.fields.map((f, i) => [f.name, (ok as unknown[])[i]]));
    expect(values.order_number).toBe(9_007_199_254_740_993n); // beyond 2^53, exact as a string
    expect(values.order_ts).toBe(BigInt(Date.UTC(2026, 10, 1, 8)) * 1000n); // the offset is applied
    expect(values.line_items).toEqual([{ sku: 'SKU-00001', product_name: null, quantity: 1, unit_price: 1000n }]);
    expect(violations(orders, { ...order, line_items: [] })).toContainEqual(
      expect.objectContaining({ path: '/line_items', rule: 'minItems' }),
    );
  });

  it('rejects long values that lost precision as JSON numbers', () => {
    const found = violations(orders, {
      order_id: 'o00000001',
      order_number: 2 ** 60,
      user_id: 'u000001',
      order_ts: '2026-11-01T10:00:00Z',
      status: 'paid',
      currency: 'EUR',
      total_amount: 1,
      line_items: [{ sku: 'SKU-00001', quantity: 1, unit_price: 1 }],
    });
    expect(found).toContainEqual(expect.objectContaining({ path: '/order_number', rule: 'long' }));
  });

  it('validates dates, emails, booleans and int ranges on users', () => {
    const found = violations(users, {
      user_id: 'u000001',
      email: 'nope',
      country: 'DE',
      plan: 'gold',
      birth_date: '1990-02-30',
      marketing_opt_in: 'yes',
      loyalty_points: 2 ** 40,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    });
    const rules = Object.fromEntries(found.map((v) => [v.path, v.rule]));
    expect(rules).toMatchObject({
      '/email': 'format',
      '/plan': 'enum',
      '/birth_date': 'format',
      '/marketing_opt_in': 'type',
    });
    expect(found.filter((v) => v.path === '/loyalty_points').map((v) => v.rule)).toEqual(
      expect.arrayContaining(['maximum']),
    );
  });
});
