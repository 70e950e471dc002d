// A producer for the ingest API that loses nothing: it posts NDJSON in batches, and when the API rejects a batch
// (400 lists the invalid records) it quarantines exactly those records with their violations and re-posts the
// rest. Used by `lakehouse run` to push the sample through the API like any producer would.
import { createLogger } from '../log.ts';
import type { QuarantineEntry } from '../records/pipeline.ts';
import type { Violation } from '../records/validate.ts';

export interface PostResult {
  readonly received: number;
  readonly accepted: number;
  readonly quarantined: QuarantineEntry[];
  readonly jobIds: string[];
  /** When each job was accepted (ms since epoch), for the accept-to-commit latency. */
  readonly acceptedAt: ReadonlyMap<string, number>;
}

/** The API's 400 problem details (RFC 9457), as far as the client reads them. */
interface Rejection {
  readonly detail?: string;
  readonly records?: readonly { line: number; reason: QuarantineEntry['reason']; violations: Violation[] }[];
}

const log = createLogger('ingest-client');

export async function postRecords(
  baseUrl: string,
  dataset: string,
  lines: readonly string[],
  options: { batchSize?: number; source?: string; concurrency?: number } = {},
): Promise<PostResult> {
  const batchSize = options.batchSize ?? 1000;
  const source = options.source ?? `${dataset}.ndjson`;
  const quarantined: QuarantineEntry[] = [];
  const jobIds: string[] = [];
  const acceptedAt = new Map<string, number>();
  let accepted = 0;
  const url = new URL(`/v1/datasets/${encodeURIComponent(dataset)}/records`, baseUrl);

  const post = async (batch: readonly { line: number; text: string }[]): Promise<void> => {
    if (batch.length === 0) return;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: batch.map((r) => r.text).join('\n'),
    });
    const body = (await response.json()) as { jobId?: string } & Rejection;
    if (response.status === 202 && body.jobId) {
      jobIds.push(body.jobId);
      acceptedAt.set(body.jobId, Date.now());
      accepted += batch.length;
      return;
    }
    if (response.status === 400 && body.records) {
      // Lines in the response are 1-based positions in this batch's body (blank lines never appear in it).
      const bad = new Map(body.records.map((r) => [r.line, r]));
      for (const [i, record] of batch.entries()) {
        const rejection = bad.get(i + 1);
        if (rejection) {
          quarantined.push({
            source,
            line: record.line,
            reason: rejection.reason,
            violations: rejection.violations,
            raw: record.text,
          });
        }
      }
      const rest = batch.filter((_, i) => !bad.has(i + 1));
      // A duplicate key is only a violation together with its twin: re-posting the rest may not loop forever.
      if (rest.length < batch.length) return post(rest);
    }
    throw new Error(`ingest API answered ${response.status} for ${dataset}: ${body.detail ?? 'no reason given'}`);
  };

  const batches: { line: number; text: string }[][] = [];
  let current: { line: number; text: string }[] = [];
  for (const [i, text] of lines.entries()) {
    if (text.trim() === '') continue;
    current.push({ line: i + 1, text });
    if (current.length >= batchSize) {
      batches.push(current);
      current = [];
    }
  }
  if (current.length) batches.push(current);
  const received = batches.reduce((n, b) => n + b.length, 0);
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency ?? 4 }, async () => {
      while (next < batches.length) await post(batches[next++] as { line: number; text: string }[]);
    }),
  );
  log.info({ dataset, received, accepted, quarantined: quarantined.length, jobs: jobIds.length }, 'posted');
  return { received, accepted, quarantined, jobIds, acceptedAt };
}
