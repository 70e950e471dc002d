// Many users' time-ordered event streams merged into one, in time order, as a product's event feed arrives. A
// binary min-heap holds each user's next event only, so memory grows with the number of active users, never with
// the number of events.
import type { UserLife } from './population.ts';
import type { ScheduledEvent, SessionSchedule } from './sessions.ts';

interface Head {
  readonly schedule: SessionSchedule;
  event: ScheduledEvent;
}

// Ties broken by user number, so the order (and with it everything drawn afterwards) is reproducible.
const before = (a: Head, b: Head) =>
  a.event.ts < b.event.ts || (a.event.ts === b.event.ts && a.schedule.life.userNumber < b.schedule.life.userNumber);

export interface UserEvent extends ScheduledEvent {
  readonly life: UserLife;
}

export function* timeOrdered(schedules: Iterable<SessionSchedule>): Generator<UserEvent> {
  const heap: Head[] = [];
  for (const schedule of schedules) {
    if (schedule.remaining === 0) continue;
    heap.push({ schedule, event: schedule.next() });
    siftUp(heap, heap.length - 1);
  }
  while (heap.length > 0) {
    const top = heap[0] as Head;
    yield { ...top.event, life: top.schedule.life };
    if (top.schedule.remaining > 0) top.event = top.schedule.next();
    else {
      const last = heap.pop() as Head;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    siftDown(heap, 0);
  }
}

function siftUp(heap: Head[], index: number): void {
  let child = index;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if (!before(heap[child] as Head, heap[parent] as Head)) return;
    [heap[child], heap[parent]] = [heap[parent] as Head, heap[child] as Head];
    child = parent;
  }
}

function siftDown(heap: Head[], index: number): void {
  let parent = index;
  for (;;) {
    const left = 2 * parent + 1;
    if (left >= heap.length) return;
    const right = left + 1;
    const child = right < heap.length && before(heap[right] as Head, heap[left] as Head) ? right : left;
    if (!before(heap[child] as Head, heap[parent] as Head)) return;
    [heap[child], heap[parent]] = [heap[parent] as Head, heap[child] as Head];
    parent = child;
  }
}
