// The listing of a 400 (and of a partial request's 207): which records are invalid and why, bounded whatever the request holds. A request may carry
// 50,000 invalid records, a record 100,000 unknown fields, a field a 900 KiB string or a 10,000-level value: the
// answer lists the first violations up to fixed caps, cuts every text, and always gives the totals, so a producer
// knows how much it did not see. Nothing here recurses on the received values.
import type { QuarantineReason } from '../records/pipeline.ts';
import type { Violation } from '../records/validate.ts';
import { MAX_VIOLATION_TEXT_CHARS, MAX_VIOLATIONS_LISTED, MAX_VIOLATIONS_LISTED_PER_RECORD } from './limits.ts';

/** An invalid record of a request: its 1-based position and every violation found. */
export interface RejectedRecord {
  readonly line: number;
  readonly reason: QuarantineReason;
  readonly violations: readonly Violation[];
}

export interface ListedRecord {
  readonly line: number;
  readonly reason: QuarantineReason;
  readonly violations: readonly Violation[];
  readonly violationsTotal: number;
  /** Some of this record's violations are not listed. */
  readonly truncated: boolean;
}

/** The invalid records of a request as an answer lists them: bounded, with the totals of everything. */
export interface RejectionListing {
  /** Invalid records in the request (listed or not). */
  readonly rejected: number;
  /** Violations of all invalid records (listed or not). */
  readonly violationsTotal: number;
  /** Some invalid records or violations are not listed. */
  readonly truncated: boolean;
  readonly records: readonly ListedRecord[];
}

/** The members a 400 (invalid-records problem) adds to the problem details. */
export interface RejectionBody extends RejectionListing {
  readonly detail: string;
  readonly received: number;
}

const CUT = '…';

export function listRejections(rejected: readonly RejectedRecord[]): RejectionListing {
  const records: ListedRecord[] = [];
  let budget = MAX_VIOLATIONS_LISTED;
  let violationsTotal = 0;
  for (const record of rejected) {
    violationsTotal += record.violations.length;
    if (budget === 0) continue;
    const shown = Math.min(record.violations.length, MAX_VIOLATIONS_LISTED_PER_RECORD, budget);
    budget -= Math.max(shown, 1);
    records.push({
      line: record.line,
      reason: record.reason,
      violations: record.violations.slice(0, shown).map(boundedViolation),
      violationsTotal: record.violations.length,
      truncated: shown < record.violations.length,
    });
  }
  const truncated = records.length < rejected.length || records.some((r) => r.truncated);
  return { rejected: rejected.length, violationsTotal, truncated, records };
}

/** `n of m records are invalid; <outcome>`, saying how much is listed when not everything is. */
export function rejectionSummary(listing: RejectionListing, received: number, outcome: string): string {
  const listed = listing.truncated
    ? `; the first ${listing.records.reduce((n, r) => n + r.violations.length, 0)} violations are listed`
    : '';
  return `${listing.rejected} of ${received} records are invalid; ${outcome}${listed}`;
}

export function rejectionBody(rejected: readonly RejectedRecord[], received: number): RejectionBody {
  const listing = listRejections(rejected);
  return { detail: rejectionSummary(listing, received, 'nothing was published'), received, ...listing };
}

function boundedViolation(violation: Violation): Violation {
  return {
    path: boundedText(String(violation.path)),
    rule: boundedText(String(violation.rule)),
    expected: boundedText(String(violation.expected)),
    actual: boundedValue(violation.actual),
  };
}

/** A text cut to MAX_VIOLATION_TEXT_CHARS, with a mark when cut. */
export function boundedText(text: string): string {
  return text.length <= MAX_VIOLATION_TEXT_CHARS ? text : text.slice(0, MAX_VIOLATION_TEXT_CHARS) + CUT;
}

/**
 * A received value as a violation shows it: scalars as they are (strings cut), an array or object as it is when
 * its JSON text is short, else that text's beginning as a string.
 */
export function boundedValue(value: unknown): unknown {
  if (typeof value === 'string') return boundedText(value);
  if (typeof value === 'bigint') return boundedText(value.toString());
  if (value === null || typeof value !== 'object') return value;
  const preview = jsonPreview(value, MAX_VIOLATION_TEXT_CHARS);
  // A complete preview is at most MAX_VIOLATION_TEXT_CHARS long, so the value nests at most half that deep and
  // serialising it later is safe.
  return preview.complete ? value : preview.text + CUT;
}

interface Frame {
  readonly close: string;
  readonly items: readonly unknown[] | undefined;
  readonly object: Record<string, unknown> | undefined;
  readonly keys: readonly string[] | undefined;
  next: number;
}

/**
 * The JSON text of a value, stopping once it is longer than `maxChars`: an explicit stack instead of recursion,
 * and work proportional to `maxChars` (plus one key listing per object entered), not to the value's size.
 */
export function jsonPreview(value: unknown, maxChars: number): { text: string; complete: boolean } {
  let text = '';
  const stack: Frame[] = [];
  let pending: { value: unknown } | undefined = { value };
  while (text.length <= maxChars) {
    if (pending) {
      const current = pending.value;
      pending = undefined;
      if (Array.isArray(current)) {
        text += '[';
        stack.push({ close: ']', items: current, object: undefined, keys: undefined, next: 0 });
      } else if (current !== null && typeof current === 'object') {
        const object = current as Record<string, unknown>;
        text += '{';
        stack.push({ close: '}', items: undefined, object, keys: Object.keys(object), next: 0 });
      } else {
        text += scalarJson(current, maxChars - text.length + 1);
      }
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) return { text, complete: true };
    const size = top.items ? top.items.length : (top.keys?.length ?? 0);
    if (top.next >= size) {
      text += top.close;
      stack.pop();
      continue;
    }
    if (top.next > 0) text += ',';
    if (top.items) {
      pending = { value: top.items[top.next] };
    } else {
      const key = top.keys?.[top.next] as string;
      text += `${JSON.stringify(key.slice(0, maxChars))}:`;
      pending = { value: top.object?.[key] };
    }
    top.next++;
  }
  return { text: text.slice(0, maxChars), complete: false };
}

function scalarJson(value: unknown, room: number): string {
  if (typeof value === 'string') return JSON.stringify(value.length > room ? value.slice(0, room) : value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return value.toString();
  return 'null';
}
