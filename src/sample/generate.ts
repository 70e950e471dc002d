// Realistic synthetic data for the three built-in datasets, one window of time (a week by default) per call:
// events, users (with history) and orders with line items, for a user base that stays the same run after run.
// - users keep their id, email, name and created_at; only country, plan, marketing opt-in and loyalty points
//   change, now and then (about one user in five per week). The window that holds the origin delivers every
//   existing user's profile as it stood, later windows only the new versions (and sign-ups) inside them;
// - events come in time order, in sessions of one user each (a new session after more than 30 minutes of
//   silence), never before the user signed up; a user who signs up inside the window starts with a `signup` event;
// - orders are placed by users who already exist, shipped mostly to the country they live in at the time;
// - every timestamp carries microseconds.
// A configurable share of records is corrupted in ways real feeds break: wrong patterns, unknown enum values,
// timestamps without a zone, out-of-range numbers, missing fields, broken JSON, events delivered twice.
// Everything is a function of the seed and the window, so the same call gives the same bytes.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { timeOrdered } from './merge.ts';
import {
  COUNTRIES,
  DAY_MICROS,
  DEFAULT_ORIGIN,
  MICROS_PER_MS,
  UserLife,
  lives,
  type Profile,
  type Window,
} from './population.ts';
import { Random, seedOf } from './random.ts';
import { MIN_SLOT_MICROS, SessionSchedule, activeSpan } from './sessions.ts';

export interface SampleOptions {
  /** The world: the same seed gives the same users, and the same window of it the same records. */
  readonly seed?: number;
  /** Share of records corrupted on purpose (default 0.03). */
  readonly invalidRate?: number;
  /** Start of the window (default: the origin, 2026-11-01T00:00:00Z); it lasts `days` (default 7). */
  readonly start?: Date;
  readonly days?: number;
  /**
   * Start of the first window of data (default 2026-11-01T00:00:00Z): users who signed up before it are delivered,
   * as they stood then, by the window that holds it. Keep it fixed across the runs of one world.
   */
  readonly origin?: Date;
  /** How many users events and orders refer to (default 1,000); for the users dataset, `count` is that number. */
  readonly users?: number;
  /**
   * Events and users: the first user number (default 1). Orders: the first order number (default 1), so that a
   * later window adds new orders rather than repeating them; orders always refer to users from u000001 on.
   */
  readonly firstId?: number;
}

const EVENT_TYPES = ['page_view', 'page_view', 'page_view', 'click', 'click', 'add_to_cart', 'purchase'];
const PAGES = ['/', '/search', '/product', '/cart', '/checkout', '/account', '/blog/launch'];
const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/', null];
const STATUSES = ['placed', 'paid', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];
/** Share of events and orders located away from the user's home country (travel, VPNs, gifts). */
const ABROAD_SHARE = 0.03;
/** Salts of the per-window random streams, one per dataset (the per-user ones use 1). */
const EVENTS_STREAM = 2;
const USERS_STREAM = 3;
const ORDERS_STREAM = 4;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** ISO 8601 in UTC with microseconds, from microseconds since the Unix epoch. */
export function isoMicros(micros: number): string {
  const millis = Math.floor(micros / MICROS_PER_MS);
  return `${new Date(millis).toISOString().slice(0, 23)}${pad(micros - millis * MICROS_PER_MS, 3)}Z`;
}

function cents(amount: number): string {
  return `${Math.floor(amount / 100)}.${pad(amount % 100, 2)}`;
}

function windowOf(options: SampleOptions, users: number, firstUser: number): Window {
  const start = (options.start ?? options.origin ?? DEFAULT_ORIGIN).getTime() * MICROS_PER_MS;
  return {
    seed: options.seed ?? 42,
    origin: (options.origin ?? DEFAULT_ORIGIN).getTime() * MICROS_PER_MS,
    start,
    end: start + (options.days ?? 7) * DAY_MICROS,
    firstUser,
    users,
  };
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

/** How much of a window's activity is one user's: none before sign-up, or without room left for a session. */
function eventWeight(life: UserLife, window: Window): number {
  const span = activeSpan(life, window.start, window.end);
  return span < MIN_SLOT_MICROS ? 0 : (life.activity * span) / (window.end - window.start);
}

/**
 * Each user's share of `count` events, in two passes over the population (constant memory): the total weight,
 * then cumulative shares rounded down, so that the shares add up to exactly `count`.
 */
function* eventSchedules(count: number, window: Window, rnd: Random): Generator<SessionSchedule> {
  let total = 0;
  for (const life of lives(window)) total += eventWeight(life, window);
  if (total === 0) {
    if (count > 0) throw new RangeError('no user has signed up before the window ends: choose a later start');
    return;
  }
  let cumulative = 0;
  let allotted = 0;
  for (const life of lives(window)) {
    const weight = eventWeight(life, window);
    if (weight === 0) continue;
    cumulative += weight;
    const upTo = Math.floor(count * (cumulative / total)); // the last user's share ends at exactly count
    if (upTo > allotted) yield new SessionSchedule(life, upTo - allotted, window.start, window.end, rnd);
    allotted = upTo;
  }
}

export function* eventRecords(count: number, options: SampleOptions = {}): Generator<string> {
  const window = windowOf(options, options.users ?? 1000, options.firstId ?? 1);
  const rnd = new Random(seedOf(window.seed, EVENTS_STREAM, window.start));
  const invalidRate = options.invalidRate ?? 0.03;
  let previous: string | undefined;
  let delivered = 0;
  for (const event of timeOrdered(eventSchedules(count, window, rnd))) {
    // At-least-once delivery: now and then the previous event arrives again, byte for byte. The copy takes the
    // place of one of the window's last events (the count stays exact) rather than of one inside a session.
    if (previous !== undefined && invalidRate > 0 && rnd.chance(invalidRate / 10)) {
      yield previous;
      if (++delivered === count) return;
    }
    const profile = event.life.advanceTo(event.ts);
    const eventType = event.signup ? 'signup' : rnd.pick(EVENT_TYPES);
    const priced = eventType === 'purchase' || eventType === 'add_to_cart';
    const record: Record<string, unknown> = {
      event_id: rnd.uuid(),
      user_id: profile.user_id,
      event_type: eventType,
      event_ts: isoMicros(event.ts),
      amount: priced ? cents(rnd.int(100, 50_000)) : null,
      country: rnd.chance(ABROAD_SHARE) ? rnd.pick(COUNTRIES) : profile.country,
      session_id: event.sessionId,
      properties: rnd.chance(0.8) ? { page: rnd.pick(PAGES), referrer: rnd.pick(REFERRERS), ab: rnd.int(0, 9) } : null,
    };
    previous = serialise(record, invalidRate, EVENT_CORRUPTIONS, rnd);
    yield previous;
    if (++delivered === count) return;
  }
}

const USER_CORRUPTIONS: Corruption[] = [
  (r) => ({ ...r, email: 'not-an-email' }),
  (r) => ({ ...r, plan: 'platinum' }),
  (r) => ({ ...r, birth_date: '1990-13-45' }),
  (r) => ({ ...r, loyalty_points: -1 }),
  (r) => JSON.stringify(r).slice(0, 30),
];

function userRecord(profile: Profile): Record<string, unknown> {
  const { createdAt, updatedAt, ...attributes } = profile;
  return { ...attributes, created_at: isoMicros(createdAt), updated_at: isoMicros(updatedAt) };
}

/**
 * The profile versions of `count` users that the window delivers: in the window holding the origin, each user
 * who signed up before it as they stood at its start; then, in every window, each version that starts inside it
 * (sign-ups and changes), user by user, each user's in time order.
 */
export function* userRecords(count: number, options: SampleOptions = {}): Generator<string> {
  const window = windowOf(options, count, options.firstId ?? 1);
  const rnd = new Random(seedOf(window.seed, USERS_STREAM, window.start));
  const invalidRate = options.invalidRate ?? 0.03;
  const backfill = window.start <= window.origin && window.origin < window.end;
  for (const life of lives(window)) {
    if (life.createdAt >= window.end) continue;
    if (life.createdAt >= window.start) yield serialise(userRecord(life.current), invalidRate, USER_CORRUPTIONS, rnd);
    else {
      const asOfStart = life.advanceTo(window.start - 1);
      if (backfill) yield serialise(userRecord(asOfStart), invalidRate, USER_CORRUPTIONS, rnd);
    }
    for (let version = life.nextVersionBefore(window.end); version; version = life.nextVersionBefore(window.end))
      yield serialise(userRecord(version), invalidRate, USER_CORRUPTIONS, rnd);
  }
}

const ORDER_CORRUPTIONS: Corruption[] = [
  (r) => ({ ...r, status: 'lost' }),
  (r) => ({ ...r, currency: 'euro' }),
  (r) => ({ ...r, total_amount: '99.999' }),
  (r) => ({ ...r, line_items: [] }),
  (r) => ({ ...r, line_items: [{ sku: 'BAD', quantity: 0, unit_price: '1.00' }] }),
  (r) => JSON.stringify(r).slice(0, 25),
];

/** A user who has signed up before the window ends, drawn at random. */
function customer(window: Window, rnd: Random): UserLife {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const life = new UserLife(window.seed, window.firstUser + rnd.int(0, window.users - 1), window.origin);
    if (life.createdAt < window.end) return life;
  }
  throw new RangeError('no user has signed up before the window ends: choose a later start');
}

export function* orderRecords(count: number, options: SampleOptions = {}): Generator<string> {
  const window = windowOf(options, options.users ?? 1000, 1);
  const rnd = new Random(seedOf(window.seed, ORDERS_STREAM, window.start));
  const firstId = options.firstId ?? 1;
  const invalidRate = options.invalidRate ?? 0.03;
  for (let i = 0; i < count; i++) {
    const life = customer(window, rnd);
    const from = Math.max(window.start, life.createdAt);
    const orderTs = from + Math.floor(rnd.next() * (window.end - from));
    const profile = life.advanceTo(orderTs);
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
      user_id: profile.user_id,
      order_ts: isoMicros(orderTs),
      status: rnd.pick(STATUSES),
      currency: rnd.pick(['EUR', 'USD', 'GBP']),
      total_amount: cents(total),
      discount_rate: rnd.chance(0.2) ? rnd.pick([0.05, 0.1, 0.15]) : null,
      shipping_country: rnd.chance(ABROAD_SHARE) ? rnd.pick(COUNTRIES) : profile.country,
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
