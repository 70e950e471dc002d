// Properties of the generated sample over random seeds, populations and windows: it must look like a product's
// data run after run (stable identities, real sessions, nothing before sign-up, microsecond timestamps) and still
// carry its share of broken records of every kind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { parseBytes } from '../../../src/formats/index.ts';
import { eventRecords, orderRecords, userRecords, type SampleOptions } from '../../../src/sample/generate.ts';
import { bytes, collect } from '../../helpers/collect.ts';

type Row = Record<string, unknown>;

const ORIGIN = Date.UTC(2026, 10, 1);
const WEEK_MS = 7 * 86_400_000;
const MINUTE_MS = 60_000;
const MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const IDENTITY = ['email', 'full_name', 'created_at'] as const;
const CHANGEABLE = ['country', 'plan', 'marketing_opt_in', 'loyalty_points'] as const;

/** Microseconds since the epoch, exactly (Date keeps milliseconds only). */
const micros = (iso: unknown): number => {
  const text = String(iso);
  return Date.parse(text) * 1000 + Number(text.slice(23, 26));
};

/** The options `lakehouse run` should pass for its run number `run`: one world, the next week of it. */
const week = (seed: number, users: number, run: number): SampleOptions => ({
  seed,
  users,
  invalidRate: 0,
  start: new Date(ORIGIN + run * WEEK_MS),
});

const parsed = (lines: Iterable<string>): Row[] => [...lines].map((line) => JSON.parse(line) as Row);

const world = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  users: fc.integer({ min: 1, max: 250 }),
  events: fc.integer({ min: 0, max: 2500 }),
  weeks: fc.integer({ min: 2, max: 4 }),
});

function groupBy<T extends Row>(rows: readonly T[], key: keyof T & string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const value = String(row[key]);
    groups.set(value, [...(groups.get(value) ?? []), row]);
  }
  return groups;
}

describe('users keep their identity run after run', () => {
  it('property: email, name and created_at never change; each new version changes one or two attributes', () => {
    fc.assert(
      fc.property(world, ({ seed, users, weeks }) => {
        const runs = Array.from({ length: weeks }, (_, run) => parsed(userRecords(users, week(seed, users, run))));
        // The first run delivers every user who exists by its end; later ones only what changed inside them.
        const firstIds = new Set(runs[0]?.map((u) => u.user_id));
        for (const [run, versions] of runs.entries()) {
          const from = (ORIGIN + run * WEEK_MS) * 1000;
          for (const version of versions) {
            expect(micros(version.updated_at)).toBeLessThan(from + WEEK_MS * 1000);
            if (run > 0) {
              expect(micros(version.updated_at)).toBeGreaterThanOrEqual(from);
              expect(firstIds.has(version.user_id) || micros(version.created_at) >= from).toBe(true);
            }
          }
        }
        for (const [, history] of groupBy(runs.flat(), 'user_id')) {
          history.sort((a, b) => micros(a.updated_at) - micros(b.updated_at));
          for (const [i, version] of history.entries()) {
            for (const field of IDENTITY) expect(version[field]).toBe(history[0]?.[field]);
            expect(micros(version.updated_at)).toBeGreaterThanOrEqual(micros(version.created_at));
            if (i === 0) continue;
            const previous = history[i - 1] as Row;
            expect(micros(version.updated_at)).toBeGreaterThan(micros(previous.updated_at));
            const changed = CHANGEABLE.filter((field) => version[field] !== previous[field]);
            expect(changed.length).toBeGreaterThanOrEqual(1);
            expect(changed.length).toBeLessThanOrEqual(2);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('gives a fifth or so of the users a new version each week', () => {
    const later = parsed(userRecords(2000, week(42, 2000, 1)));
    const changedUsers = new Set(later.map((u) => u.user_id)).size;
    expect(changedUsers).toBeGreaterThan(250);
    expect(changedUsers).toBeLessThan(600);
  });

  it('is the same world for the same seed and another one for another seed', () => {
    const a = [...userRecords(50, { seed: 7 })];
    expect([...userRecords(50, { seed: 7 })]).toEqual(a);
    const other = parsed(userRecords(50, { seed: 8 }));
    expect(other.map((u) => u.email)).not.toEqual(parsed(a).map((u) => u.email));
  });
});

describe('events come in sessions of one user, after the user signed up', () => {
  it('property: one user per session, no silence over 30 min inside one, more than 30 min between two', () => {
    fc.assert(
      fc.property(world, ({ seed, users, events, weeks }) => {
        const all = Array.from({ length: weeks }, (_, run) => parsed(eventRecords(events, week(seed, users, run))));
        for (const batch of all) {
          expect(batch).toHaveLength(events);
          // A feed in time order.
          for (let i = 1; i < batch.length; i++)
            expect(micros(batch[i]?.event_ts)).toBeGreaterThanOrEqual(micros(batch[i - 1]?.event_ts));
        }
        const sessions = [...groupBy(all.flat(), 'session_id').values()].map((session) => {
          expect(new Set(session.map((e) => e.user_id)).size).toBe(1);
          const times = session.map((e) => micros(e.event_ts)).sort((a, b) => a - b);
          for (let i = 1; i < times.length; i++)
            expect((times[i] as number) - (times[i - 1] as number)).toBeLessThanOrEqual(30 * MINUTE_MS * 1000);
          return { user: session[0]?.user_id, start: times[0] as number, end: times[times.length - 1] as number };
        });
        for (const [, ofUser] of groupBy(sessions, 'user')) {
          ofUser.sort((a, b) => a.start - b.start);
          for (let i = 1; i < ofUser.length; i++)
            expect((ofUser[i]?.start as number) - (ofUser[i - 1]?.end as number)).toBeGreaterThan(
              30 * MINUTE_MS * 1000,
            );
        }
      }),
      { numRuns: 25 },
    );
  });

  it('property: every event and order belongs to a delivered user and happens at or after created_at', () => {
    fc.assert(
      fc.property(world, fc.integer({ min: 0, max: 300 }), ({ seed, users, events, weeks }, orders) => {
        const createdAt = new Map<unknown, number>();
        for (let run = 0; run < weeks; run++)
          for (const user of parsed(userRecords(users, week(seed, users, run))))
            createdAt.set(user.user_id, micros(user.created_at));
        for (let run = 0; run < weeks; run++) {
          const options = week(seed, users, run);
          for (const event of parsed(eventRecords(events, options))) {
            expect(createdAt.has(event.user_id)).toBe(true);
            expect(micros(event.event_ts)).toBeGreaterThanOrEqual(createdAt.get(event.user_id) as number);
          }
          for (const order of parsed(orderRecords(orders, options))) {
            expect(createdAt.has(order.user_id)).toBe(true);
            expect(micros(order.order_ts)).toBeGreaterThanOrEqual(createdAt.get(order.user_id) as number);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it('starts the first session of a user who signs up inside the window with a signup event at created_at', () => {
    const users = parsed(userRecords(400, week(3, 400, 0)));
    const signups = parsed(eventRecords(20_000, week(3, 400, 0))).filter((e) => e.event_type === 'signup');
    expect(signups.length).toBeGreaterThan(5);
    const byId = new Map(users.map((u) => [u.user_id, u]));
    for (const signup of signups) expect(signup.event_ts).toBe(byId.get(signup.user_id)?.created_at);
  });

  it('streams: the first events of a billion-event sample arrive at once', () => {
    const started = performance.now();
    const events = eventRecords(1_000_000_000, { seed: 5 });
    for (let i = 0; i < 1000; i++) events.next();
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('timestamps and contracts', () => {
  it('property: every timestamp carries microseconds, and a clean sample passes its contract entirely', async () => {
    const contracts = {
      events: await loadContract('events'),
      users: await loadContract('users'),
      orders: await loadContract('orders'),
    };
    await fc.assert(
      fc.asyncProperty(world, async ({ seed, users, events, weeks }) => {
        const options = week(seed, users, weeks - 1);
        const samples = {
          events: [...eventRecords(events, options)],
          users: [...userRecords(users, week(seed, users, 0)), ...userRecords(users, options)],
          orders: [...orderRecords(200, options)],
        };
        for (const [dataset, lines] of Object.entries(samples) as [keyof typeof samples, string[]][]) {
          for (const record of parsed(lines))
            for (const field of ['event_ts', 'order_ts', 'created_at', 'updated_at'])
              if (field in record) expect(record[field]).toMatch(MICROS);
          const out = await collect(parseBytes('ndjson', bytes(lines.join('\n'))), contracts[dataset]);
          expect(out.quarantined).toEqual([]);
          expect(out.rows).toHaveLength(lines.length);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('gives users microseconds too, not milliseconds padded with zeros', () => {
    const users = parsed(userRecords(500, { seed: 42, invalidRate: 0 }));
    const padded = users.filter((u) => String(u.created_at).slice(23, 26) === '000').length;
    expect(padded).toBeLessThan(users.length * 0.05);
  });
});

describe('broken on purpose', () => {
  it('re-delivers an event as the very same bytes (at-least-once), never reuses its id for another event', () => {
    const copies = new Map<string, Set<string>>();
    const lines = [...eventRecords(20_000, { seed: 42 })];
    expect(lines).toHaveLength(20_000); // copies included
    for (const line of lines) {
      const id = /"event_id":"([^"]+)"/.exec(line)?.[1];
      if (id) copies.set(id, (copies.get(id) ?? new Set()).add(line));
    }
    const delivered = [...copies.values()];
    expect(delivered.every((lines) => lines.size === 1)).toBe(true);
    expect(copies.size).toBeLessThan(20_000); // some were delivered twice
  });

  // What each dataset's corruptions break: [JSON Pointer, rule] as the record path reports them.
  const KINDS = {
    events: [
      '/user_id pattern',
      '/user_id type',
      '/event_type enum',
      '/event_ts format',
      '/amount minimum',
      '/amount decimal',
      '/country pattern',
      '/country type',
      '/session_id required',
      '/properties/ab maximum',
      '/ json',
      '/event_id duplicate',
    ],
    users: ['/email format', '/plan enum', '/birth_date format', '/loyalty_points minimum', '/ json'],
    orders: [
      '/status enum',
      '/currency pattern',
      '/total_amount decimal',
      '/line_items minItems',
      '/line_items/0/sku pattern',
      '/line_items/0/quantity minimum',
      '/ json',
    ],
  };

  it.each([
    { dataset: 'events', sample: () => eventRecords(30_000, { seed: 42, users: 2000 }) },
    { dataset: 'users', sample: () => userRecords(8000, { seed: 42 }) },
    { dataset: 'orders', sample: () => orderRecords(8000, { seed: 42, users: 2000 }) },
  ] as const)('keeps about 3% of $dataset broken, with every kind of violation', async ({ dataset, sample }) => {
    const lines = [...sample()];
    const out = await collect(parseBytes('ndjson', bytes(lines.join('\n'))), await loadContract(dataset));
    expect(out.received).toBe(lines.length);
    const share = out.quarantined.length / lines.length;
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.045);
    const kinds = new Set(out.quarantined.flatMap((q) => q.violations.map((v) => `${v.path} ${v.rule}`)));
    for (const kind of KINDS[dataset]) expect(kinds).toContain(kind);
  });
});
