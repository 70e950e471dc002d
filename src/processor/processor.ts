// The stream processor: one function with the contract of a Lambda Kinesis handler (ReportBatchItemFailures),
// used by the processor Lambda and by the local consumer alike. For each dataset in a batch it appends every
// received record to raw.<dataset>, the valid ones to processed.<dataset>, quarantines the rest, and moves the
// API jobs on. Each append carries the stream checkpoint, so a redelivered batch is a no-op (exactly once).
import type { Contract } from '../contracts/model.ts';
import type { ParsedItem } from '../formats/types.ts';
import { INGESTED_AT_FIELD, SOURCE_FIELD, nowMicros, withLineage } from '../iceberg/lineage.ts';
import { createLogger } from '../log.ts';
import type { MetadataStore } from '../metadata/types.ts';
import { BatchBuilder, type RecordBatch } from '../records/batch.ts';
import { RecordProcessor, type QuarantineEntry } from '../records/pipeline.ts';
import type { Normalised } from '../records/values.ts';
import { parseEnvelope, type Envelope } from '../api/envelope.ts';
import type { BatchResponse, ConsumedRecord } from '../stream/types.ts';
import { rawContract } from './raw.ts';
import type { QuarantineSink, TableWriter } from './types.ts';

export interface StreamProcessorOptions {
  readonly contracts: readonly Contract[];
  readonly tables: TableWriter;
  readonly metadata: MetadataStore;
  readonly quarantine: QuarantineSink;
  /** Names the checkpoint source: `stream:<streamName>:<shardId>`. */
  readonly streamName: string;
  readonly rawNamespace?: string;
  readonly processedNamespace?: string;
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

const log = createLogger('processor');

export class StreamProcessor {
  private readonly processors: ReadonlyMap<string, RecordProcessor>;
  private readonly options: StreamProcessorOptions;
  /** The outcome of every dataset commit, for callers that report on a run (the local pipeline). */
  readonly outcomes: DatasetOutcome[] = [];

  constructor(options: StreamProcessorOptions) {
    this.options = options;
    this.processors = new Map(options.contracts.map((c) => [c.name, new RecordProcessor(c)]));
  }

  /** The BatchHandler: returns the sequence numbers to retry (Lambda's ReportBatchItemFailures). */
  readonly handle = async (records: readonly ConsumedRecord[]): Promise<BatchResponse> => {
    const byDataset = new Map<string, Delivered[]>();
    const unreadable: QuarantineEntry[] = [];
    for (const record of records) {
      try {
        const envelope = parseEnvelope(record.data);
        const list = byDataset.get(envelope.dataset) ?? [];
        list.push({ record, envelope });
        byDataset.set(envelope.dataset, list);
      } catch (error) {
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
    if (unreadable.length) await this.options.quarantine.write('_unreadable', unreadable);

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
  };

  private async processDataset(dataset: string, delivered: readonly Delivered[]): Promise<void> {
    const processor = this.processors.get(dataset);
    const checkpoint = {
      source: `stream:${this.options.streamName}:${delivered[0]?.record.shardId ?? 'shard'}`,
      offset: delivered[delivered.length - 1]?.record.sequenceNumber ?? '0',
    };
    const ingestedAt = nowMicros();

    // Raw layer: everything, as received.
    const raw = rawContract(dataset);
    const rawBuilder = new BatchBuilder(raw);
    const items: ParsedItem[] = [];
    const jobOf: string[] = [];
    for (const { record, envelope } of delivered) {
      for (const [i, value] of envelope.records.entries()) {
        const text = JSON.stringify(value);
        rawBuilder.append([text, envelope.jobId, position(record), BigInt(record.approximateArrivalTimestamp) * 1000n]);
        items.push({ kind: 'record', value, raw: text, line: i + 1 });
        jobOf.push(envelope.jobId);
      }
    }
    const rawBatch = withLineage(rawBuilder.flush(), `stream:${this.options.streamName}`, ingestedAt);
    const rawResult = await this.options.tables.append(this.ns('raw'), dataset, raw, rawBatch, checkpoint);

    if (!processor) {
      // A dataset without a contract is kept in raw only, and its records are quarantined with the reason.
      await this.options.quarantine.write(
        dataset,
        items.map((item) => ({
          source: `stream:${dataset}`,
          line: item.line,
          reason: 'validation' as const,
          violations: [{ path: '/', rule: 'contract', expected: 'a dataset with a contract', actual: dataset }],
          raw: item.raw,
        })),
      );
      return;
    }

    // Processed layer: validated, transformed, with lineage columns (`_source` names the API job per row).
    const chunk = processor.processChunk(items, `stream:${dataset}`, false);
    const sources = chunk.acceptedIndices.map((i) => `api:${jobOf[i] ?? 'unknown'}`);
    const batch = withRowLineage(chunk.batch, ingestedAt, sources);
    const result = await this.options.tables.append(
      this.ns('processed'),
      dataset,
      processor.contract,
      batch,
      checkpoint,
    );
    if (!result.duplicate) await this.options.quarantine.write(dataset, chunk.quarantined);

    const outcome: DatasetOutcome = {
      dataset,
      received: items.length,
      accepted: chunk.batch.length,
      quarantined: chunk.quarantined.length,
      snapshotId: result.snapshotId,
      duplicate: result.duplicate,
    };
    this.outcomes.push(outcome);
    log.info({ ...outcome, rawSnapshotId: rawResult.snapshotId, checkpoint }, 'committed');
    if (!result.duplicate) await this.updateJobs(delivered, chunk.acceptedIndices, jobOf, result.snapshotId);
  }

  private async updateJobs(
    delivered: readonly Delivered[],
    acceptedIndices: readonly number[],
    jobOf: readonly string[],
    snapshotId: string | undefined,
  ): Promise<void> {
    const accepted = new Set(acceptedIndices);
    const perJob = new Map<string, { received: number; quarantined: number; parts: number; total: number }>();
    for (const { envelope } of delivered) {
      const entry = perJob.get(envelope.jobId) ?? { received: 0, quarantined: 0, parts: 0, total: envelope.parts };
      entry.parts++;
      perJob.set(envelope.jobId, entry);
    }
    for (const [i, jobId] of jobOf.entries()) {
      const entry = perJob.get(jobId);
      if (!entry) continue;
      entry.received++;
      if (!accepted.has(i)) entry.quarantined++;
    }
    for (const [jobId, entry] of perJob) {
      const current = await this.options.metadata.getJob(jobId);
      if (!current || current.status === 'committed' || current.status === 'failed') continue;
      const counts = {
        received: current.counts.received ?? entry.received,
        accepted: (current.counts.accepted ?? 0) + entry.received - entry.quarantined,
        quarantined: (current.counts.quarantined ?? 0) + entry.quarantined,
        parts_done: (current.counts.parts_done ?? 0) + entry.parts,
      };
      const done = counts.parts_done >= entry.total;
      await this.options.metadata.updateJob(jobId, ['accepted', 'processing'], {
        status: done ? 'committed' : 'processing',
        counts,
        ...(snapshotId ? { snapshotId } : {}),
      });
    }
  }

  private ns(layer: 'raw' | 'processed'): string {
    return layer === 'raw' ? (this.options.rawNamespace ?? 'raw') : (this.options.processedNamespace ?? 'processed');
  }
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
