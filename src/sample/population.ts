// The simulated user base. A user's identity (id, email, name, sign-up time) and profile history (the few
// attributes that change: country, plan, marketing opt-in, loyalty points) are a pure function of the seed and the
// user number, so every window of generated data (every `lakehouse run`) agrees on who a user is and on what
// their profile was at any instant, without keeping anything between runs.
import { Random, seedOf } from './random.ts';

export const MICROS_PER_MS = 1000;
export const MINUTE_MICROS = 60_000_000;
export const DAY_MICROS = 86_400_000_000;
/** The start of the first window of data: users that signed up before it are delivered by that window in full. */
export const DEFAULT_ORIGIN = new Date('2026-11-01T00:00:00Z');

export const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'ES', 'IT', 'SE', 'PL', 'BR', 'IN', 'JP'];
const PLANS = ['free', 'pro', 'enterprise'];
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman'];
const DOMAINS = ['example.com', 'example.org', 'example.net'];

/** Most accounts predate the first window (up to a year); the rest sign up during its first week. */
const HISTORY_DAYS = 365;
const NEW_SIGNUP_SHARE = 0.08;
const NEW_SIGNUP_DAYS = 7;
/** Mean time between two changes of one profile: about one user in five changes something in a week. */
const MEAN_DAYS_BETWEEN_CHANGES = 30;
/** Salt of the per-user random streams, apart from the per-window ones. */
const USER_STREAM = 1;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const userId = (n: number): string => `u${pad(n, 6)}`;

/** One version of a user's profile; times are microseconds since the Unix epoch. */
export interface Profile {
  readonly user_id: string;
  readonly email: string;
  readonly full_name: string;
  readonly country: string;
  readonly plan: string;
  readonly birth_date: string | null;
  readonly marketing_opt_in: boolean;
  readonly loyalty_points: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A user's life: created once, then walked forward in time through its profile versions. */
export class UserLife {
  readonly userNumber: number;
  readonly createdAt: number;
  /** Relative activity (1 = typical, heavy-tailed up to 50): how many of a window's events and orders are theirs. */
  readonly activity: number;
  private readonly rnd: Random;
  private version: Profile;
  private nextChangeAt: number;

  constructor(seed: number, userNumber: number, originMicros: number) {
    this.userNumber = userNumber;
    const rnd = new Random(seedOf(seed, USER_STREAM, userNumber));
    this.rnd = rnd;
    this.createdAt = rnd.chance(NEW_SIGNUP_SHARE)
      ? originMicros + Math.floor(rnd.next() * NEW_SIGNUP_DAYS * DAY_MICROS)
      : originMicros - 1 - Math.floor(rnd.next() * HISTORY_DAYS * DAY_MICROS);
    this.activity = Math.min(50, (1 - rnd.next()) ** (-1 / 1.5));
    const first = rnd.pick(FIRST_NAMES);
    const last = rnd.pick(LAST_NAMES);
    this.version = {
      user_id: userId(userNumber),
      email: `${first}.${last}.${userNumber}@${rnd.pick(DOMAINS)}`.toLowerCase(),
      full_name: `${first} ${last}`,
      country: rnd.pick(COUNTRIES),
      plan: rnd.chance(0.6) ? 'free' : rnd.pick(PLANS),
      birth_date: rnd.chance(0.7) ? `${rnd.int(1950, 2005)}-${pad(rnd.int(1, 12), 2)}-${pad(rnd.int(1, 28), 2)}` : null,
      marketing_opt_in: rnd.chance(0.5),
      loyalty_points: rnd.int(0, 500),
      createdAt: this.createdAt,
      updatedAt: this.createdAt,
    };
    this.nextChangeAt = this.afterPause(this.createdAt);
  }

  /** The profile version in force now (the latest the walk has reached). */
  get current(): Profile {
    return this.version;
  }

  /** Walks forward to the version in force at `time` (the last one with updatedAt ≤ time). */
  advanceTo(time: number): Profile {
    while (this.nextChangeAt <= time) this.change();
    return this.version;
  }

  /** The next version if it starts before `end`, walking to it; undefined (and no walk) otherwise. */
  nextVersionBefore(end: number): Profile | undefined {
    if (this.nextChangeAt >= end) return undefined;
    this.change();
    return this.version;
  }

  private afterPause(time: number): number {
    // At least a minute apart, so versions never share an updated_at (their key is user_id + updated_at).
    return time + MINUTE_MICROS + Math.floor(this.rnd.exponential(MEAN_DAYS_BETWEEN_CHANGES * DAY_MICROS));
  }

  /** One profile change: a move, a plan change, an opt-in toggle or loyalty points earned; identity never changes. */
  private change(): void {
    const rnd = this.rnd;
    const at = this.nextChangeAt;
    const was = this.version;
    const kind = rnd.next();
    this.version =
      kind < 0.3
        ? { ...was, country: rnd.pick(COUNTRIES.filter((c) => c !== was.country)), updatedAt: at }
        : kind < 0.6
          ? { ...was, plan: rnd.pick(PLANS.filter((p) => p !== was.plan)), updatedAt: at }
          : kind < 0.85
            ? { ...was, marketing_opt_in: !was.marketing_opt_in, updatedAt: at }
            : { ...was, loyalty_points: was.loyalty_points + rnd.int(10, 500), updatedAt: at };
    this.nextChangeAt = this.afterPause(at);
  }
}

/** A window of generated time, [start, end) in microseconds, in a world whose data begins at `origin`. */
export interface Window {
  readonly seed: number;
  readonly origin: number;
  readonly start: number;
  readonly end: number;
  /** Users u<firstUser> … u<firstUser + users − 1>. */
  readonly firstUser: number;
  readonly users: number;
}

/** The users' lives, one at a time in user-number order (constant memory whatever the population). */
export function* lives(window: Window): Generator<UserLife> {
  for (let i = 0; i < window.users; i++) yield new UserLife(window.seed, window.firstUser + i, window.origin);
}
