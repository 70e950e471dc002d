// The stream processor: one function with the contract of a Lambda Kinesis handler (ReportBatchItemFailures),
// used by the processor Lambda and by the local consumer alike. For each dataset in a batch it appends every
// received record to raw.<dataset>, the valid ones to processed.<dataset>, quarantines the rest, and moves the
// API jobs on, in that order (quarantine first). Each step is idempotent per stream checkpoint — the quarantine
// object is named after the batch, each append carries the checkpoint, each job part is applied once — so a
// redelivered batch finishes what a failed or killed delivery left and repeats nothing (exactly once). A retry
// that holds records a table committed before, and new ones after them, gives that table only the new ones.
import { readEnvelope, type Envelope } from '../api/envelope.ts';
import type { Contract, Field } from '../contracts/model.ts';
import { LakehouseError } from '../errors.ts';
import { parseLine } from '../formats/ndjson.ts';
import type { ParsedItem } from '../formats/types.ts';
import { failpoint } from '../iceberg/failpoints.ts';
import { INGESTED_AT_FIELD, SOURCE_FIELD, nowMicros, tableFields } from '../iceberg/lineage.ts';
import { createLogger } from '../log.ts';
import type { JobPart, MetadataStore } from '../metadata/types.ts';
import type { RecordBatch } from '../records/batch.ts';
import type { ColumnarBatch } from '../records/columns.ts';
import { FastChunkProcessor } from '../records/fast/chunk.ts';
import { planFor } from '../records/fast/plan.ts';
import { RecordProcessor, type QuarantineEntry } from '../records/pipeline.ts';
import type { Normalised } from '../records/values.ts';
import type { BatchResponse, ConsumedRecord } from '../stream/types.ts';
import { BytesColumn, constantBytesColumn, int64Column } from './columns.ts';
import { rawContract } from './raw.ts';
import type { Checkpoint, QuarantineBatch, QuarantineSink, TableWriter } from './types.ts';

export interface StreamProcessorOptions {
  readonly contracts: readonly Contract[];
  readonly tables: TableWriter;
  readonly metadata: MetadataStore;
  readonly quarantine: QuarantineSink;
  /** Names the checkpoint source: `stream:<streamName>:<shardId>`. */
  readonly streamName: string;
  readonly rawNamespace?: string;
  readonly processedNamespace?: string;
  /**
   * `auto` (default): the fast record path for datasets whose contract it can take (typed columns straight from
   * the record bytes), the general path otherwise; `general` always takes the general path. Both give the same
   * rows and quarantine entries.
   */
  readonly engine?: 'auto' | 'general';
}

export interface DatasetOutcome {
  readonly dataset: string;
  readonly received: number;
  readonly accepted: number;
  readonly quarantined: number;
  readonly snapshotId: string | undefined;
  readonly duplicate: boolean;
}

interface Delivered {
  readonly record: ConsumedRecord;
  readonly envelope: Envelope;
}

/** A dataset's records in one batch: the envelopes' bodies back to back, one record per line. */
interface RecordLines {
  readonly bytes: Buffer;
  readonly count: number;
  /** Where line i starts (count + 1 entries; the last is the end of the bytes). */
  readonly starts: Int32Array;
  /** The envelope (index into `delivered`) of line i, and the line index each envelope starts at. */
  readonly envelopeOf: Int32Array;
  readonly firstLineOf: Int32Array;
}

/** A batch's processed rows: accepted (with where they came from) and quarantined. */
interface Validated {
  readonly batch: ColumnarBatch | RecordBatch;
  readonly accepted: number;
  readonly quarantined: readonly QuarantineEntry[];
  readonly acceptedIndices: ArrayLike<number>;
}

/** Records of a batch with their lines and, for a dataset with a contract, their processed rows. */
interface BatchPart {
  readonly delivered: readonly Delivered[];
  readonly lines: RecordLines;
  readonly validated: Validated | undefined;
}

const log = createLogger('processor');

export class StreamProcessor {
  private readonly processors: ReadonlyMap<string, RecordProcessor>;
  /** Per dataset whose contract the fast record path can take: its chunk processor, made on first use. */
  private readonly fast = new Map<string, FastChunkProcessor | null>();
  private readonly options: StreamProcessorOptions;
  /** Batches run one after another: the fast processors reuse their column builders. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The outcome of every dataset commit, for callers that report on a run (the local pipeline). */
  readonly outcomes: DatasetOutcome[] = [];

  constructor(options: StreamProcessorOptions) {
    this.options = options;
    this.processors = new Map(options.contracts.map((c) => [c.name, new RecordProcessor(c)]));
  }

  /** The BatchHandler: returns the sequence numbers to retry (Lambda's ReportBatchItemFailures). */
  readonly handle = (records: readonly ConsumedRecord[]): Promise<BatchResponse> => {
    const run = this.tail.then(() => this.handleBatch(records));
    this.tail = run.catch(() => undefined);
    return run;
  };

  private async handleBatch(records: readonly ConsumedRecord[]): Promise<BatchResponse> {
    const byDataset = new Map<string, Delivered[]>();
    const unreadable: QuarantineEntry[] = [];
    let firstUnreadable: ConsumedRecord | undefined;
    for (const record of records) {
      try {
        const envelope = readEnvelope(record.data);
        const list = byDataset.get(envelope.header.dataset) ?? [];
        list.push({ record, envelope });
        byDataset.set(envelope.header.dataset, list);
      } catch (error) {
        firstUnreadable ??= record;
        unreadable.push({
          source: position(record),
          line: 0,
          reason: 'parse',
          violations: [
            { path: '/', rule: 'envelope', expected: 'a lakehouse envelope', actual: (error as Error).message },
          ],
          raw: Buffer.from(record.data).toString('utf8'),
        });
      }
    }
    if (firstUnreadable)
      await this.options.quarantine.write('_unreadable', unreadable, quarantineBatch(firstUnreadable));

    const failures: { itemIdentifier: string }[] = [];
    for (const [dataset, delivered] of byDataset) {
      try {
        await this.processDataset(dataset, delivered);
      } catch (error) {
        log.error(
          { dataset, error: (error as Error).message, records: delivered.length },
          'dataset batch failed; will be retried',
        );
        for (const { record } of delivered) failures.push({ itemIdentifier: record.sequenceNumber });
      }
    }
    return { batchItemFailures: failures };
  }

  private async processDataset(dataset: string, delivered: readonly Delivered[]): Promise<void> {
    const processor = this.processors.get(dataset);
    const source = `stream:${this.options.streamName}:${(delivered[0] as Delivered).record.shardId}`;
    const raw = rawContract(dataset);
    const ingestedAt = nowMicros();

    // Exactly once per table: Lambda retries a batch from its first failed record, so a redelivery can hold records
    // this dataset committed on an earlier try (another dataset's record failed before them) followed by new ones.
    // Each table is given only the records above the offset it committed for this shard — commits per table and
    // shard go in sequence order, so the records at or below it are in — and a batch it holds whole is given whole:
    // the append is then a no-op that reports the snapshot holding the rows.
    const [lastNamespace, lastContract] = processor
      ? [this.ns('processed'), processor.contract]
      : [this.ns('raw'), raw];
    const rawDone = await this.options.tables.committedOffset(this.ns('raw'), dataset, raw, source);
    const lastDone = processor
      ? await this.options.tables.committedOffset(lastNamespace, dataset, lastContract, source)
      : rawDone;
    const { committed, pending } = splitAt(delivered, lastDone);

    // The processed rows are worked out first: nothing is written, anywhere, unless every record received is
    // either accepted or quarantined. The records committed before and the pending ones are worked out apart, as
    // the earlier try did: the pending ones are written, and each part's job counts are those of its rows. (In
    // that order: the fast path reuses its column builders, so the rows to write come from the last call.)
    const whole = pending.length === 0 || committed.length === 0;
    const jobParts = whole ? [] : [this.part(committed, processor, ingestedAt)];
    const toCommit = this.part(whole ? delivered : pending, processor, ingestedAt);
    jobParts.push(toCommit);

    // In this order: quarantine, raw, processed, jobs. Each step is idempotent per checkpoint, so a batch failed or
    // killed anywhere is finished by its redelivery. The quarantine goes first and holds the records the last table
    // has not committed (once it has, their quarantine was written): one object named after the first of them, so
    // a retry replaces it, and a redelivery split into a smaller batch or extended past it lands on objects of its
    // own and never replaces an object with part of itself.
    if (pending.length > 0) {
      // A dataset without a contract is kept in raw only, and its records are quarantined with the reason.
      const entries = toCommit.validated ? toCommit.validated.quarantined : uncontracted(dataset, toCommit.lines);
      await this.options.quarantine.write(
        dataset,
        envelopePositions(entries, toCommit.delivered, toCommit.lines),
        quarantineBatch((pending[0] as Delivered).record),
      );
    }

    // Raw layer: everything, as received.
    const rawPending = splitAt(delivered, rawDone).pending;
    const rawPart =
      rawPending.length === toCommit.delivered.length || rawPending.length === 0
        ? toCommit
        : this.part(rawPending, undefined, ingestedAt);
    const rawResult = await this.options.tables.append(
      this.ns('raw'),
      dataset,
      raw,
      this.rawBatch(raw, rawPart.delivered, rawPart.lines, ingestedAt),
      checkpointOf(source, rawPart.delivered),
    );
    const rows = toCommit.validated;
    if (!processor || !rows) return;

    // Processed layer: validated, transformed, with lineage columns (`_source` names the API job per row).
    const checkpoint = checkpointOf(source, toCommit.delivered);
    const result = await this.options.tables.append(
      this.ns('processed'),
      dataset,
      processor.contract,
      rows.batch,
      checkpoint,
    );
    const outcome: DatasetOutcome = {
      dataset,
      received: toCommit.lines.count,
      accepted: rows.accepted,
      quarantined: rows.quarantined.length,
      snapshotId: result.snapshotId,
      duplicate: result.duplicate,
    };
    this.outcomes.push(outcome);
    log.info(
      { ...outcome, skipped: delivered.length - pending.length, rawSnapshotId: rawResult.snapshotId, checkpoint },
      'committed',
    );
    // Every job part of the batch, committed now or before: its first delivery may have been killed before its job
    // updates, and the store applies each (job, part) once.
    await this.updateJobs(jobParts, result.snapshotId);
  }

  /** Records of a batch as a part of their own: their lines and, given the dataset's processor, their rows. */
  private part(delivered: readonly Delivered[], processor: RecordProcessor | undefined, ingestedAt: bigint): BatchPart {
    const lines = recordLines(delivered);
    const validated = processor && this.validated(processor, lines, delivered, ingestedAt);
    if (validated) expectAllCounted(processor.contract.name, lines, validated);
    return { delivered, lines, validated };
  }

  /** The raw layer's columns: each record line as it came, its job, stream position and arrival time. */
  private rawBatch(
    raw: Contract,
    delivered: readonly Delivered[],
    lines: RecordLines,
    ingestedAt: bigint,
  ): ColumnarBatch {
    const [payloadField, jobField, positionField, receivedField] = raw.fields as [Field, Field, Field, Field];
    const payload = new BytesColumn(lines.count, lines.bytes.length);
    for (let i = 0; i < lines.count; i++)
      payload.push(lines.bytes, lines.starts[i] as number, (lines.starts[i + 1] as number) - 1);
    const jobs = new BytesColumn(lines.count, lines.count * 36);
    const positions = new BytesColumn(lines.count, lines.count * 48);
    const received = new BigInt64Array(lines.count);
    delivered.forEach(({ record, envelope }, k) => {
      const first = lines.firstLineOf[k] as number;
      const n = (lines.firstLineOf[k + 1] as number) - first;
      jobs.repeat(Buffer.from(envelope.header.jobId, 'utf8'), n);
      positions.repeat(Buffer.from(position(record), 'utf8'), n);
      received.fill(BigInt(record.approximateArrivalTimestamp) * 1000n, first, first + n);
    });
    return {
      fields: tableFields(raw.fields),
      rows: lines.count,
      leaves: [
        payload.vector(payloadField),
        jobs.vector(jobField),
        positions.vector(positionField),
        int64Column(receivedField, received),
        int64Column(INGESTED_AT_FIELD, new BigInt64Array(lines.count).fill(ingestedAt)),
        constantBytesColumn(SOURCE_FIELD, lines.count, `stream:${this.options.streamName}`),
      ],
    };
  }

  /**
   * The processed layer's rows: through the fast record path (typed columns straight from the record bytes)
   * when the contract allows it, else the general path; the two give the same rows and quarantine entries.
   */
  private validated(
    processor: RecordProcessor,
    lines: RecordLines,
    delivered: readonly Delivered[],
    ingestedAt: bigint,
  ): Validated {
    const source = `stream:${processor.contract.name}`;
    const fast = this.fastProcessor(processor.contract);
    const jobSource = delivered.map(({ envelope }) => `api:${envelope.header.jobId}`);
    if (fast) {
      const chunk = { bytes: lines.bytes, firstLine: 1, firstOffset: 0, lines: lines.count };
      const result = fast.processNdjson(chunk, source);
      const rows = result.batch.rows;
      // Accepted rows keep their input order, so each envelope's rows are one run of the same `_source`.
      const sources = new BytesColumn(rows, rows * 40);
      const encoded = jobSource.map((s) => Buffer.from(s, 'utf8'));
      for (let r = 0; r < rows;) {
        const k = lines.envelopeOf[result.acceptedIndices[r] as number] as number;
        const end = Math.min(rows, lowerBound(result.acceptedIndices, lines.firstLineOf[k + 1] as number, r));
        sources.repeat(encoded[k] as Buffer, end - r);
        r = end;
      }
      const batch: ColumnarBatch = {
        fields: tableFields(result.batch.fields),
        rows,
        leaves: [
          ...result.batch.leaves,
          int64Column(INGESTED_AT_FIELD, new BigInt64Array(rows).fill(ingestedAt)),
          sources.vector(SOURCE_FIELD),
        ],
      };
      return { batch, accepted: rows, quarantined: result.quarantined, acceptedIndices: result.acceptedIndices };
    }
    const items: ParsedItem[] = [];
    for (let i = 0; i < lines.count; i++) {
      const start = lines.starts[i] as number;
      const item = parseLine(lines.bytes, start, (lines.starts[i + 1] as number) - 1, i + 1, start, false, Infinity);
      if (item) items.push(item);
    }
    const chunk = processor.processChunk(items, source, false);
    const sources = chunk.acceptedIndices.map((i) => jobSource[lines.envelopeOf[i] as number] as string);
    return {
      batch: withRowLineage(chunk.batch, ingestedAt, sources),
      accepted: chunk.batch.length,
      quarantined: chunk.quarantined,
      acceptedIndices: chunk.acceptedIndices,
    };
  }

  private fastProcessor(contract: Contract): FastChunkProcessor | null {
    if (this.options.engine === 'general') return null;
    let fast = this.fast.get(contract.name);
    if (fast === undefined) {
      const plan = planFor(contract);
      fast = 'unsupported' in plan ? null : new FastChunkProcessor(contract, plan);
      this.fast.set(contract.name, fast);
    }
    return fast;
  }

  private async updateJobs(parts: readonly BatchPart[], snapshotId: string | undefined): Promise<void> {
    // One job part per envelope; the store applies each (job, part) once, however often the batch is delivered.
    const perJob = new Map<string, { total: number; applied: JobPart[] }>();
    for (const { delivered, lines, validated } of parts) {
      const acceptedPerEnvelope = new Int32Array(delivered.length);
      const acceptedIndices = validated?.acceptedIndices ?? [];
      for (let r = 0; r < acceptedIndices.length; r++)
        (acceptedPerEnvelope[lines.envelopeOf[acceptedIndices[r] as number] as number] as number)++;
      delivered.forEach(({ envelope }, k) => {
        const { jobId, part, parts: total } = envelope.header;
        const entry = perJob.get(jobId) ?? { total, applied: [] };
        const received = (lines.firstLineOf[k + 1] as number) - (lines.firstLineOf[k] as number);
        const accepted = acceptedPerEnvelope[k] as number;
        entry.applied.push({ part, received, accepted, quarantined: received - accepted });
        perJob.set(jobId, entry);
      });
    }
    for (const [jobId, { total, applied }] of perJob) {
      failpoint('before-job-update');
      await this.options.metadata.applyJobParts(jobId, {
        parts: total,
        applied,
        ...(snapshotId ? { snapshotId } : {}),
      });
    }
  }

  private ns(layer: 'raw' | 'processed'): string {
    return layer === 'raw' ? (this.options.rawNamespace ?? 'raw') : (this.options.processedNamespace ?? 'processed');
  }
}

/** Fails the batch unless every record received is either accepted or quarantined. */
function expectAllCounted(dataset: string, lines: RecordLines, validated: Validated): void {
  if (validated.accepted + validated.quarantined.length !== lines.count)
    throw new LakehouseError(
      'INTERNAL',
      `${dataset}: ${lines.count} records received, ${validated.accepted} accepted + ${validated.quarantined.length} quarantined`,
    );
}

/** A table's committed records (at or below its committed offset for the shard) and pending ones (above it). */
function splitAt(
  delivered: readonly Delivered[],
  offset: bigint | undefined,
): { committed: Delivered[]; pending: Delivered[] } {
  const committed: Delivered[] = [];
  const pending: Delivered[] = [];
  for (const d of delivered)
    (offset !== undefined && BigInt(d.record.sequenceNumber) <= offset ? committed : pending).push(d);
  return { committed, pending };
}

/** The checkpoint of a commit of these records: the shard's source and the last sequence number. */
function checkpointOf(source: string, delivered: readonly Delivered[]): Checkpoint {
  return { source, offset: (delivered[delivered.length - 1] as Delivered).record.sequenceNumber };
}

/** The quarantine object of the records of a batch that start at `first`. */
function quarantineBatch(first: ConsumedRecord): QuarantineBatch {
  return { shardId: first.shardId, firstSequence: first.sequenceNumber, arrivedAt: first.approximateArrivalTimestamp };
}

/** A dataset without a contract: each record quarantined with the reason (the raw layer still keeps it). */
function uncontracted(dataset: string, lines: RecordLines): QuarantineEntry[] {
  const entries: QuarantineEntry[] = [];
  for (let i = 0; i < lines.count; i++)
    entries.push({
      source: `stream:${dataset}`,
      line: i + 1,
      reason: 'validation',
      violations: [{ path: '/', rule: 'contract', expected: 'a dataset with a contract', actual: dataset }],
      raw: lines.bytes.toString('utf8', lines.starts[i], (lines.starts[i + 1] as number) - 1),
    });
  return entries;
}

function position(record: ConsumedRecord): string {
  return `${record.shardId}:${record.sequenceNumber}`;
}

function withRowLineage(batch: RecordBatch, ingestedAt: bigint, sources: readonly string[]): RecordBatch {
  const columns = new Map<string, Normalised[]>(batch.columns);
  columns.set(INGESTED_AT_FIELD.name, new Array<Normalised>(batch.length).fill(ingestedAt));
  columns.set(SOURCE_FIELD.name, sources.slice(0, batch.length));
  return { contract: batch.contract, length: batch.length, columns };
}

/** The first index at or after `from` whose value is ≥ `value`, in an ascending array. */
function lowerBound(values: ArrayLike<number>, value: number, from: number): number {
  let lo = from;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The envelopes' record lines back to back, with where each line starts and which envelope it came in. */
function recordLines(delivered: readonly Delivered[]): RecordLines {
  const bytes = Buffer.concat(delivered.map(({ envelope }) => envelope.body));
  const count = delivered.reduce((n, { envelope }) => n + envelope.header.records, 0);
  const starts = new Int32Array(count + 1);
  const envelopeOf = new Int32Array(count);
  const firstLineOf = new Int32Array(delivered.length + 1);
  let line = 0;
  let at = 0;
  delivered.forEach(({ envelope }, k) => {
    firstLineOf[k] = line;
    envelopeOf.fill(k, line, line + envelope.header.records);
    for (let n = 0; n < envelope.header.records; n++) {
      starts[line++] = at;
      at = bytes.indexOf(0x0a, at) + 1; // readEnvelope checked the count and the final newline
    }
  });
  firstLineOf[delivered.length] = line;
  starts[count] = bytes.length;
  return { bytes, count, starts, envelopeOf, firstLineOf };
}

/** Quarantine entries located by their stream record (`<shard>:<sequence>`) and line within it. */
function envelopePositions(
  entries: readonly QuarantineEntry[],
  delivered: readonly Delivered[],
  lines: RecordLines,
): QuarantineEntry[] {
  return entries.map(({ offset: _batchOffset, ...entry }) => {
    const k = lines.envelopeOf[entry.line - 1] as number;
    const { record } = delivered[k] as Delivered;
    return { ...entry, source: position(record), line: entry.line - (lines.firstLineOf[k] as number) };
  });
}
