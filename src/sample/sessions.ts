// When one user's events happen within a window: grouped into sessions the way analytics tools cut them. Inside a
// session no two consecutive events are more than SESSION_TIMEOUT apart; between two sessions of the user there
// is always more than SESSION_TIMEOUT of silence, also across windows (runs), so sessionising the events again by
// inactivity gives back exactly the generated session ids.
//
// The window is cut into as many equal slots as the user has sessions; each session starts somewhere in its slot
// and ends at least SESSION_TIMEOUT + 1 µs before the slot does (and so before the window does). A user who
// signed up inside the window starts their first session with the sign-up itself, at created_at.
import { MINUTE_MICROS, type UserLife } from './population.ts';
import type { Random } from './random.ts';

export const SESSION_TIMEOUT_MICROS = 30 * MINUTE_MICROS;
/**
 * The longest pause between two events of one session: a third of the timeout, so that a session is still one
 * (by 30 minutes of inactivity) when up to two of its events in a row are lost to quarantine.
 */
const MAX_PAUSE_MICROS = 10 * MINUTE_MICROS;
/** A slot holds the silence after its session plus a few minutes of activity at least. */
export const MIN_SLOT_MICROS = SESSION_TIMEOUT_MICROS + 5 * MINUTE_MICROS;
const MEAN_EVENTS_PER_SESSION = 6;

/** The part of [start, end) in which a user can be active: from sign-up on, if that leaves room for a session. */
export function activeSpan(life: UserLife, start: number, end: number): number {
  return Math.max(0, end - Math.max(start, life.createdAt));
}

export interface ScheduledEvent {
  readonly ts: number;
  readonly sessionId: string;
  /** The user's sign-up, at created_at: the first event of a user created inside the window. */
  readonly signup: boolean;
}

/** The `total` events of one user in [max(start, created_at), end), one at a time in time order. */
export class SessionSchedule {
  readonly life: UserLife;
  private readonly rnd: Random;
  private readonly from: number;
  private readonly slotWidth: number;
  private readonly sessions: number;
  private readonly signsUp: boolean;
  private session = -1;
  private eventsLeft: number;
  private inSessionLeft = 0;
  private maxPause = 0;
  private ts = 0;
  private sessionId = '';
  private first = true;

  /** `total` ≥ 1 and activeSpan(life, start, end) ≥ MIN_SLOT_MICROS. */
  constructor(life: UserLife, total: number, start: number, end: number, rnd: Random) {
    this.life = life;
    this.rnd = rnd;
    this.from = Math.max(start, life.createdAt);
    this.signsUp = life.createdAt >= start;
    const span = end - this.from;
    const fit = Math.max(1, Math.floor(span / MIN_SLOT_MICROS));
    const wanted = Math.round((total / MEAN_EVENTS_PER_SESSION) * (0.5 + rnd.next()));
    this.sessions = Math.max(1, Math.min(total, fit, wanted));
    this.slotWidth = Math.floor(span / this.sessions);
    this.eventsLeft = total;
  }

  get remaining(): number {
    return this.eventsLeft;
  }

  /** The next event's time and session; call only while `remaining` > 0. */
  next(): ScheduledEvent {
    if (this.inSessionLeft === 0) this.openSession();
    else {
      const rnd = this.rnd;
      // Mostly quick clicks, now and then a long read; never longer than maxPause (so the session fits its slot).
      this.ts += this.maxPause === 0 ? 0 : 1 + Math.floor((this.maxPause - 1) * rnd.next() ** 3);
    }
    this.inSessionLeft--;
    this.eventsLeft--;
    const signup = this.first && this.signsUp;
    this.first = false;
    return { ts: this.ts, sessionId: this.sessionId, signup };
  }

  private openSession(): void {
    const rnd = this.rnd;
    this.session++;
    const sessionsLeft = this.sessions - this.session;
    const spare = this.eventsLeft - sessionsLeft; // events beyond one per remaining session
    const size =
      sessionsLeft === 1 ? this.eventsLeft : 1 + Math.min(spare, Math.floor((rnd.next() * 2 * spare) / sessionsLeft));
    const slotStart = this.from + this.session * this.slotWidth;
    const room = this.slotWidth - SESSION_TIMEOUT_MICROS - 1; // the session must end by slotStart + room
    this.maxPause = size > 1 ? Math.min(MAX_PAUSE_MICROS, Math.floor(room / (size - 1))) : 0;
    const latestStart = slotStart + room - (size - 1) * this.maxPause;
    this.ts =
      this.session === 0 && this.signsUp ? slotStart : slotStart + Math.floor(rnd.next() * (latestStart - slotStart));
    this.sessionId = `s-${this.life.current.user_id}-${this.ts.toString(36)}`;
    this.inSessionLeft = size;
  }
}
