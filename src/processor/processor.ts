// The stream processor: one function with the contract of a Lambda Kinesis handler (ReportBatchItemFailures),
// used by the processor Lambda and by the local consumer alike. For each dataset in a batch it appends every
// received record to raw.<dataset>, the valid ones to processed.<dataset>, quarantines the rest, and moves the
// API jobs on, in that order (quarantine first). Each step is idempotent per stream checkpoint — the quarantine
// object is named after the batch, each append carries the checkpoint, each job part is applied once — so a
// redelivered batch finishes what a failed or killed delivery left and repeats nothing (exactly once).
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
import type { QuarantineBatch, QuarantineSink, TableWriter } from './types.ts';

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
    const first = (delivered[0] as Delivered).record;
    const checkpoint = {
      source: `stream:${this.options.streamName}:${first.shardId}`,
      offset: delivered[delivered.length - 1]?.record.sequenceNumber ?? '0',
    };
    const ingestedAt = nowMicros();
    const lines = recordLines(delivered);

    // The processed rows are worked out first: nothing is written, anywhere, unless every record received is
    // either accepted or quarantined.
    const validated = processor && this.validated(processor, lines, delivered, ingestedAt);
    if (validated && validated.accepted + validated.quarantined.length !== lines.count)
      throw new LakehouseError(
        'INTERNAL',
        `${dataset}: ${lines.count} records received, ${validated.accepted} accepted + ${validated.quarantined.length} quarantined`,
      );
    const raw = rawContract(dataset);

    // Exactly once end to end, in this order: quarantine, raw, processed, jobs. Each step is idempotent per
    // checkpoint, so a batch failed or killed anywhere is finished by its redelivery. The quarantine goes first:
    // once a table has committed the checkpoint, a retry is a no-op there and could not write it any more. It is
    // one object named after the batch (a retry replaces it), and it is skipped when the batch's last table has
    // committed the checkpoint: its quarantine was written then, and a redelivery split into a smaller batch must
    // not replace it with part of itself.
    const [lastNamespace, lastContract] = processor
      ? [this.ns('processed'), processor.contract]
      : [this.ns('raw'), raw];
    if (!(await this.options.tables.committed(lastNamespace, dataset, lastContract, checkpoint))) {
      // A dataset without a contract is kept in raw only, and its records are quarantined with the reason.
      const entries = validated ? validated.quarantined : uncontracted(dataset, lines);
      await this.options.quarantine.write(
        dataset,
        envelopePositions(entries, delivered, lines),
        quarantineBatch(first),
      );
    }

    // Raw layer: everything, as received.
    const rawBatch = this.rawBatch(raw, delivered, lines, ingestedAt);
    const rawResult = await this.options.tables.append(this.ns('raw'), dataset, raw, rawBatch, checkpoint);
    if (!processor || !validated) return;

    // Processed layer: validated, transformed, with lineage columns (`_source` names the API job per row).
    const { batch, quarantined, acceptedIndices, accepted } = validated;
    const result = await this.options.tables.append(
      this.ns('processed'),
      dataset,
      processor.contract,
      batch,
      checkpoint,
    );
    const outcome: DatasetOutcome = {
      dataset,
      received: lines.count,
      accepted,
      quarantined: quarantined.length,
      snapshotId: result.snapshotId,
      duplicate: result.duplicate,
    };
    this.outcomes.push(outcome);
    log.info({ ...outcome, rawSnapshotId: rawResult.snapshotId, checkpoint }, 'committed');
    // A duplicate too: its first delivery may have been killed before its job updates (they apply once per part).
    await this.updateJobs(delivered, lines, acceptedIndices, result.snapshotId);
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
  ): {
    batch: ColumnarBatch | RecordBatch;
    accepted: number;
    quarantined: readonly QuarantineEntry[];
    acceptedIndices: ArrayLike<number>;
  } {
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

  private async updateJobs(
    delivered: readonly Delivered[],
    lines: RecordLines,
    acceptedIndices: ArrayLike<number>,
    snapshotId: string | undefined,
  ): Promise<void> {
    const acceptedPerEnvelope = new Int32Array(delivered.length);
    for (let r = 0; r < acceptedIndices.length; r++)
      (acceptedPerEnvelope[lines.envelopeOf[acceptedIndices[r] as number] as number] as number)++;
    // One part per envelope; the store applies each (job, part) once, however often the batch is delivered.
    const perJob = new Map<string, { total: number; applied: JobPart[] }>();
    delivered.forEach(({ envelope }, k) => {
      const { jobId, part, parts } = envelope.header;
      const entry = perJob.get(jobId) ?? { total: parts, applied: [] };
      const received = (lines.firstLineOf[k + 1] as number) - (lines.firstLineOf[k] as number);
      const accepted = acceptedPerEnvelope[k] as number;
      entry.applied.push({ part, received, accepted, quarantined: received - accepted });
      perJob.set(jobId, entry);
    });
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
