// What the ingest API publishes to the stream: validated records of one request, grouped into envelopes that stay
// under the stream's per-record limit (1 MiB in Kinesis). An envelope is a header line and the records as NDJSON,
// so the processor hands the body to the record path's byte scanner as it is; the job id travels in the header
// so the job's status can follow the records into the table.
import { LakehouseError } from '../errors.ts';
import type { StreamRecord } from '../stream/types.ts';
import { MAX_RECORD_BYTES } from './limits.ts';

/** The first line of a stream record: who sent the records below it and how many there are. */
export interface EnvelopeHeader {
  readonly v: 2;
  readonly jobId: string;
  readonly dataset: string;
  /** Part number within the job (0-based) and the job's part count, so the processor knows when a job is done. */
  readonly part: number;
  readonly parts: number;
  /** Record lines after the header. */
  readonly records: number;
  /**
   * Record lines (1-based, after the header) the API found invalid in a `?mode=partial` request: each is a quarantine
   * line (a JSON string holding the record's text), which the processor quarantines as no contract accepts it.
   */
  readonly quarantined?: readonly number[];
}

/** A record to publish: its JSON text, or (quarantine) the text of a record the API found invalid. */
export interface PublishedLine {
  readonly text: string;
  readonly quarantine?: boolean;
}

/**
 * A stream record as the processor reads it: the header, and the records' JSON texts as NDJSON (one per line,
 * each ending in a newline), so the record path can scan them as bytes without parsing the envelope.
 */
export interface Envelope {
  readonly header: EnvelopeHeader;
  readonly body: Uint8Array;
}

/** A stream record's records take at most this much; one record may take it all (the API refuses larger). */
const TARGET_BYTES = MAX_RECORD_BYTES;
const NEWLINE = 0x0a;

/** What a flagged line adds to the header (its number and a comma), counted against the stream record. */
const FLAG_BYTES = 7;
/** A quarantine line's text is cut so that the line, JSON-escaped at worst (6 bytes a UTF-16 unit), fits. */
const QUARANTINE_TEXT_CHARS = Math.floor((TARGET_BYTES - 2 - FLAG_BYTES) / 6);

/**
 * Splits the raw JSON texts of a request's records into stream records of at most ~900 KiB each: a header line,
 * then one record per line. A line break inside JSON text can only be whitespace between tokens (JSON strings
 * escape theirs), so a pretty-printed record is put on one line by turning its CR and LF into spaces. A quarantine
 * line is the record's text as a JSON string (cut to fit a stream record), so even an unparseable record is kept.
 */
export function toStreamRecords(
  jobId: string,
  dataset: string,
  rawRecords: readonly (string | PublishedLine)[],
): StreamRecord[] {
  const groups: { lines: string[]; flagged: number[] }[] = [];
  let current: { lines: string[]; flagged: number[] } = { lines: [], flagged: [] };
  let size = 0;
  for (const record of rawRecords) {
    const { text, quarantine = false } = typeof record === 'string' ? { text: record } : record;
    const raw = quarantine
      ? JSON.stringify(text.length > QUARANTINE_TEXT_CHARS ? text.slice(0, QUARANTINE_TEXT_CHARS) : text)
      : /[\r\n]/.test(text)
        ? text.replace(/[\r\n]/g, ' ')
        : text;
    const bytes = Buffer.byteLength(raw, 'utf8') + (quarantine ? FLAG_BYTES : 0);
    if (!raw.trim()) throw new LakehouseError('VALIDATION', 'a record is empty');
    if (bytes > TARGET_BYTES) {
      throw new LakehouseError('VALIDATION', `a single record is larger than ${TARGET_BYTES} bytes`);
    }
    if (size + bytes > TARGET_BYTES && current.lines.length) {
      groups.push(current);
      current = { lines: [], flagged: [] };
      size = 0;
    }
    current.lines.push(raw);
    if (quarantine) current.flagged.push(current.lines.length);
    size += bytes + 1;
  }
  if (current.lines.length) groups.push(current);
  return groups.map(({ lines: records, flagged }, part) => {
    const header: EnvelopeHeader = {
      v: 2,
      jobId,
      dataset,
      part,
      parts: groups.length,
      records: records.length,
      ...(flagged.length ? { quarantined: flagged } : {}),
    };
    return {
      partitionKey: `${dataset}/${jobId}`,
      data: Buffer.from(`${JSON.stringify(header)}\n${records.join('\n')}\n`, 'utf8'),
    };
  });
}

/**
 * Reads a stream record's header and finds its record lines without parsing them. Version 1 envelopes (one
 * JSON object holding a `records` array, written before version 2) are turned into the same shape.
 */
export function readEnvelope(data: Uint8Array): Envelope {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const newline = bytes.indexOf(NEWLINE);
  const head = newline === -1 ? bytes : bytes.subarray(0, newline);
  let value: unknown;
  try {
    value = JSON.parse(head.toString('utf8'));
  } catch (error) {
    throw new LakehouseError('PARSE', `stream record is not a lakehouse envelope: ${(error as Error).message}`);
  }
  const header = value as {
    v?: unknown;
    jobId?: unknown;
    dataset?: unknown;
    part?: unknown;
    parts?: unknown;
    records?: unknown;
    quarantined?: unknown;
  };
  if (
    (header?.v !== 1 && header?.v !== 2) ||
    typeof header.jobId !== 'string' ||
    typeof header.dataset !== 'string' ||
    typeof header.part !== 'number' ||
    typeof header.parts !== 'number'
  ) {
    throw new LakehouseError('PARSE', 'stream record is not a lakehouse envelope (v, jobId, dataset, part, parts)');
  }
  const { jobId, dataset, part, parts } = header;
  if (header.v === 1) {
    if (!Array.isArray(header.records) || newline !== -1)
      throw new LakehouseError('PARSE', 'version 1 envelope without a records array');
    const lines = header.records.map((record) => `${JSON.stringify(record)}\n`).join('');
    return {
      header: { v: 2, jobId, dataset, part, parts, records: header.records.length },
      body: Buffer.from(lines, 'utf8'),
    };
  }
  if (typeof header.records !== 'number' || !Number.isSafeInteger(header.records) || header.records < 0)
    throw new LakehouseError('PARSE', 'stream record header has no record count');
  const body = newline === -1 ? bytes.subarray(bytes.length) : bytes.subarray(newline + 1);
  let lines = 0;
  let empty = false;
  for (let from = 0, at = body.indexOf(NEWLINE); at !== -1; from = at + 1, at = body.indexOf(NEWLINE, from)) {
    lines++;
    if (at === from) empty = true;
  }
  if (empty) throw new LakehouseError('PARSE', 'stream record holds an empty record line');
  if (lines !== header.records || (body.length && body[body.length - 1] !== NEWLINE))
    throw new LakehouseError(
      'PARSE',
      `stream record is truncated or corrupt: its header announces ${header.records} record lines, the body holds ${lines}`,
    );
  const { quarantined } = header;
  const flagged =
    Array.isArray(quarantined) &&
    quarantined.every((n) => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= lines)
      ? { quarantined: quarantined as number[] }
      : {};
  return { header: { v: 2, jobId, dataset, part, parts, records: header.records, ...flagged }, body };
}

/** The records of a stream record as values (for tools and tests; the processor scans `readEnvelope`'s body). */
export function envelopeRecords(data: Uint8Array): { header: EnvelopeHeader; records: unknown[] } {
  const { header, body } = readEnvelope(data);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const records = text
    ? text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line) as unknown)
    : [];
  return { header, records };
}
