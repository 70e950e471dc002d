// A job's timeline as the status lookup shows it, from what the metadata store keeps of a job: when it was
// accepted (createdAt), and — once the processor has moved it on — what happened last and when (updatedAt). A
// committed job with quarantined records has both outcomes at the commit's time.
import type { ApiJob } from '../metadata/types.ts';

export type TimelineStep = 'accepted' | 'processing' | 'committed' | 'quarantined' | 'failed';

export interface TimelineEntry {
  readonly step: TimelineStep;
  /** ISO-8601 UTC. */
  readonly at: string;
  /** Records the step concerns (received, accepted, quarantined), when the job's counts say. */
  readonly records?: number;
}

export function jobTimeline(job: ApiJob): TimelineEntry[] {
  const counted = (step: TimelineStep, at: string, records: number | undefined): TimelineEntry =>
    records === undefined ? { step, at } : { step, at, records };
  const timeline = [counted('accepted', job.createdAt, job.counts.received)];
  if (job.status === 'processing') timeline.push({ step: 'processing', at: job.updatedAt });
  if (job.status === 'failed') timeline.push({ step: 'failed', at: job.updatedAt });
  if (job.status === 'committed') {
    timeline.push(counted('committed', job.updatedAt, job.counts.accepted));
    const quarantined = job.counts.quarantined ?? 0;
    if (quarantined > 0) timeline.push(counted('quarantined', job.updatedAt, quarantined));
  }
  return timeline;
}
