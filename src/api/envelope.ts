// What the ingest API publishes to the stream: validated records of one request, grouped into envelopes that stay
// under the stream's per-record limit (1 MiB in Kinesis). The processor reads envelopes back; the job id travels
// with them so the job's status can follow the records into the table.
import { LakehouseError } from '../errors.ts';
import type { StreamRecord } from '../stream/types.ts';

export interface Envelope {
  readonly v: 1;
  readonly jobId: string;
  readonly dataset: string;
  /** Part number within the job (0-based) and the job's part count, so the processor knows when a job is done. */
  readonly part: number;
  readonly parts: number;
  readonly records: readonly unknown[];
}

const TARGET_BYTES = 900 * 1024;

/** Splits the raw JSON texts of a request's records into envelopes of at most ~900 KiB each. */
export function toStreamRecords(jobId: string, dataset: string, rawRecords: readonly string[]): StreamRecord[] {
  const groups: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const raw of rawRecords) {
    const bytes = Buffer.byteLength(raw, 'utf8');
    if (bytes > TARGET_BYTES) {
      throw new LakehouseError('VALIDATION', `a single record is larger than ${TARGET_BYTES} bytes`);
    }
    if (size + bytes > TARGET_BYTES && current.length) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(raw);
    size += bytes + 1;
  }
  if (current.length) groups.push(current);
  const encoder = new TextEncoder();
  return groups.map((records, part) => ({
    partitionKey: `${dataset}/${jobId}`,
    data: encoder.encode(
      `{"v":1,"jobId":${JSON.stringify(jobId)},"dataset":${JSON.stringify(dataset)},"part":${part},"parts":${groups.length},"records":[${records.join(',')}]}`,
    ),
  }));
}

export function parseEnvelope(data: Uint8Array): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch (error) {
    throw new LakehouseError('PARSE', `stream record is not JSON: ${(error as Error).message}`);
  }
  const envelope = value as Partial<Envelope>;
  if (
    envelope?.v !== 1 ||
    typeof envelope.jobId !== 'string' ||
    typeof envelope.dataset !== 'string' ||
    !Array.isArray(envelope.records)
  ) {
    throw new LakehouseError('PARSE', 'stream record is not a lakehouse envelope (v, jobId, dataset, records)');
  }
  return envelope as Envelope;
}
