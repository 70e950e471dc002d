// Realistic synthetic data for the three built-in datasets: events, users (with history: some users change
// country or plan, so the SCD2 dimension has more than one row for them) and orders with line items.
// A configurable share of records is corrupted in ways real feeds break: wrong patterns, unknown enum values,
// timestamps without a zone, out-of-range numbers, missing fields, broken JSON, duplicate keys.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { Random } from './random.ts';

export interface SampleOptions {
  readonly seed?: number;
  /** Share of records corrupted on purpose (default 0.03). */
  readonly invalidRate?: number;
  /** Start of the event-time window (default 2026-11-01T00:00:00Z). Events spread over `days`. */
  readonly start?: Date;
  readonly days?: number;
  /** How many distinct users events and orders refer to (default 1,000). */
  readonly users?: number;
  /** First id number, so that a second run adds new users/orders rather than repeating them. */
  readonly firstId?: number;
}

const EVENT_TYPES = ['page_view', 'page_view', 'page_view', 'click', 'click', 'add_to_cart', 'purchase', 'signup'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'ES', 'IT', 'SE', 'PL', 'BR', 'IN', 'JP'];
const PAGES = ['/', '/search', '/product', '/cart', '/checkout', '/account', '/blog/launch'];
const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/', null];
const PLANS = ['free', 'free', 'pro', 'enterprise'];
const STATUSES = ['placed', 'paid', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const userId = (n: number) => `u${pad(n, 6)}`;

function isoMicros(start: number, offsetMicros: number): string {
  const millis = start + Math.floor(offsetMicros / 1000);
  const micros = offsetMicros % 1000;
  return `${new Date(millis).toISOString().slice(0, 23)}${pad(micros, 3)}Z`;
}

function cents(amount: number): string {
  return `${Math.floor(amount / 100)}.${pad(amount % 100, 2)}`;
}

type Corruption = (record: Record<string, unknown>, rnd: Random) => Record<string, unknown> | string;

const EVENT_CORRUPTIONS: Corruption[] = [
  (r) => ({ ...r, user_id: 'user-42' }),
  (r) => ({ ...r, event_type: 'hover' }),
  (r) => ({ ...r, event_ts: String(r.event_ts).replace('Z', '') }),
  (r) => ({ ...r, amount: -5 }),
  (r) => ({ ...r, amount: '12.345' }),
  (r) => ({ ...r, country: 'USA' }),
  (r) => {
    const { session_id: _dropped, ...rest } = r;
    return rest;
  },
  (r) => ({ ...r, properties: { page: '/', referrer: null, ab: 12 } }),
  (r) => ({ ...r, user_id: 42, event_type: 'scroll', country: null }),
  (r) => JSON.stringify(r).slice(0, 40),
];

export function* eventRecords(count: number, options: SampleOptions = {}): Generator<string> {
  const rnd = new Random(options.seed ?? 42);
  const start = (options.start ?? new Date('2026-11-01T00:00:00Z')).getTime();
  const spanMicros = (options.days ?? 7) * 86_400_000_000;
  const users = options.users ?? 1000;
  const firstUser = options.firstId ?? 1;
  const invalidRate = options.invalidRate ?? 0.03;
  let previousId: string | undefined;
  for (let i = 0; i < count; i++) {
    const eventType = rnd.pick(EVENT_TYPES);
    const priced = eventType === 'purchase' || eventType === 'add_to_cart';
    const eventId = invalidRate > 0 && previousId && rnd.chance(invalidRate / 10) ? previousId : rnd.uuid();
    previousId = eventId;
    const record: Record<string, unknown> = {
      event_id: eventId,
      user_id: userId(firstUser + rnd.int(0, users - 1)),
      event_type: eventType,
      event_ts: isoMicros(start, Math.floor(rnd.next() * spanMicros)),
      amount: priced ? cents(rnd.int(100, 50_000)) : null,
      country: rnd.pick(COUNTRIES),
      session_id: `s-${rnd.int(1, 10 * users).toString(36)}`,
      properties: rnd.chance(0.8) ? { page: rnd.pick(PAGES), referrer: rnd.pick(REFERRERS), ab: rnd.int(0, 9) } : null,
    };
    yield serialise(record, invalidRate, EVENT_CORRUPTIONS, rnd);
  }
}

const USER_CORRUPTIONS: Corruption[] = [
  (r) => ({ ...r, email: 'not-an-email' }),
  (r) => ({ ...r, plan: 'platinum' }),
  (r) => ({ ...r, birth_date: '1990-13-45' }),
  (r) => ({ ...r, loyalty_points: -1 }),
  (r) => JSON.stringify(r).slice(0, 30),
];

/** Users, each followed later by a changed version for ~20% of them (country or plan change). */
export function* userRecords(count: number, options: SampleOptions = {}): Generator<string> {
  const rnd = new Random((options.seed ?? 42) + 1);
  const start = (options.start ?? new Date('2026-11-01T00:00:00Z')).getTime();
  const firstUser = options.firstId ?? 1;
  const invalidRate = options.invalidRate ?? 0.03;
  const changes: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const first = rnd.pick(FIRST_NAMES);
    const last = rnd.pick(LAST_NAMES);
    const createdMicros = rnd.int(0, 86_400_000) * 1000;
    const record: Record<string, unknown> = {
      user_id: userId(firstUser + i),
      email: `${first}.${last}.${firstUser + i}@example.com`.toLowerCase(),
      full_name: `${first} ${last}`,
      country: rnd.pick(COUNTRIES),
      plan: rnd.pick(PLANS),
      birth_date: rnd.chance(0.7) ? `${rnd.int(1950, 2005)}-${pad(rnd.int(1, 12), 2)}-${pad(rnd.int(1, 28), 2)}` : null,
      marketing_opt_in: rnd.chance(0.5),
      loyalty_points: rnd.int(0, 5000),
      created_at: isoMicros(start, createdMicros),
      updated_at: isoMicros(start, createdMicros),
    };
    yield serialise(record, invalidRate, USER_CORRUPTIONS, rnd);
    if (rnd.chance(0.2)) {
      const changedAt = createdMicros + rnd.int(1, 5 * 86_400) * 1_000_000;
      const country = rnd.pick(COUNTRIES.filter((c) => c !== record.country));
      changes.push({ ...record, country, plan: rnd.pick(PLANS), updated_at: isoMicros(start, changedAt) });
    }
  }
  for (const change of changes) yield JSON.stringify(change);
}

const ORDER_CORRUPTIONS: Corruption[] = [
  (r) => ({ ...r, status: 'lost' }),
  (r) => ({ ...r, currency: 'euro' }),
  (r) => ({ ...r, total_amount: '99.999' }),
  (r) => ({ ...r, line_items: [] }),
  (r) => ({ ...r, line_items: [{ sku: 'BAD', quantity: 0, unit_price: '1.00' }] }),
  (r) => JSON.stringify(r).slice(0, 25),
];

export function* orderRecords(count: number, options: SampleOptions = {}): Generator<string> {
  const rnd = new Random((options.seed ?? 42) + 2);
  const start = (options.start ?? new Date('2026-11-01T00:00:00Z')).getTime();
  const spanMicros = (options.days ?? 7) * 86_400_000_000;
  const users = options.users ?? 1000;
  const firstId = options.firstId ?? 1;
  const invalidRate = options.invalidRate ?? 0.03;
  for (let i = 0; i < count; i++) {
    const items = Array.from({ length: rnd.int(1, 4) }, () => ({
      sku: `SKU-${pad(rnd.int(1, 200), 5)}`,
      product_name: `Product ${rnd.int(1, 200)}`,
      quantity: rnd.int(1, 5),
      unit_price: rnd.int(199, 19_999),
    }));
    const total = items.reduce((sum, item) => sum + item.quantity * item.unit_price, 0);
    const record: Record<string, unknown> = {
      order_id: `o${pad(firstId + i, 8)}`,
      order_number: 1_000_000_000 + firstId + i,
      user_id: userId(firstId + rnd.int(0, users - 1)),
      order_ts: isoMicros(start, Math.floor(rnd.next() * spanMicros)),
      status: rnd.pick(STATUSES),
      currency: rnd.pick(['EUR', 'USD', 'GBP']),
      total_amount: cents(total),
      discount_rate: rnd.chance(0.2) ? rnd.pick([0.05, 0.1, 0.15]) : null,
      shipping_country: rnd.pick(COUNTRIES),
      gift: rnd.chance(0.1),
      line_items: items.map((item) => ({ ...item, unit_price: cents(item.unit_price) })),
    };
    yield serialise(record, invalidRate, ORDER_CORRUPTIONS, rnd);
  }
}

function serialise(
  record: Record<string, unknown>,
  invalidRate: number,
  corruptions: Corruption[],
  rnd: Random,
): string {
  if (invalidRate > 0 && rnd.chance(invalidRate)) {
    const corrupted = rnd.pick(corruptions)(record, rnd);
    return typeof corrupted === 'string' ? corrupted : JSON.stringify(corrupted);
  }
  return JSON.stringify(record);
}

export const SAMPLE_DATASETS = {
  events: eventRecords,
  users: userRecords,
  orders: orderRecords,
} as const;
export type SampleDataset = keyof typeof SAMPLE_DATASETS;

/** Writes `count` records of a dataset as NDJSON, with backpressure (any size, constant memory). */
export async function writeSampleFile(
  path: string,
  dataset: SampleDataset,
  count: number,
  options: SampleOptions = {},
): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const out = createWriteStream(path);
  let buffer = '';
  for (const line of SAMPLE_DATASETS[dataset](count, options)) {
    buffer += line + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.write(buffer);
  out.end();
  await once(out, 'finish');
}
