// The fast NDJSON engine: the main thread cuts the file into record batches at line boundaries and hands them
// to worker threads, which parse, validate, de-duplicate and encode Parquet row groups; results come back in
// input order. At most two chunks per worker are in flight, so memory stays bounded whatever the input size.
// With `threads: 0` (the default on two CPUs or fewer) the calling thread parses and validates while one encoder
// thread encodes the previous batch's row group.
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Contract } from '../../contracts/model.ts';
import {
  columnarFromRecordBatch,
  concatBatches,
  encodeRowGroup,
  type ColumnarParquetOptions,
  type EncodedRowGroup,
} from '../../parquet/columnar/index.ts';
import type { ColumnarBatch, LeafVector } from '../columns.ts';
import { processItems, RecordProcessor, type QuarantineEntry } from '../pipeline.ts';
import { FastChunkProcessor, type FastChunkResult, type LineChunk } from './chunk.ts';
import { planFor, type FastPlan } from './plan.ts';
import { splitLines } from './split.ts';

export interface ChunkRequest {
  readonly seq: number;
  readonly chunk: LineChunk;
  readonly source: string;
  readonly maxRecordBytes: number;
}

/** Milliseconds spent per phase (summed over threads for a whole run). */
export interface Phases {
  parse: number;
  validate: number;
  encode: number;
  write: number;
}

export interface ChunkOutcome {
  readonly seq: number;
  /**
   * A row group to append, in order. On the calling-thread path it holds the rows of this chunk and of the chunks
   * before it since the last row group (row groups span several parse batches); a last outcome with no records
   * carries the rows still pending at the end.
   */
  readonly rowGroup: EncodedRowGroup | undefined;
  readonly quarantined: QuarantineEntry[];
  readonly received: number;
  readonly accepted: number;
  /** Records the general path parsed, and suspects it re-validated. */
  readonly general: number;
  readonly suspects: number;
  readonly phases: Omit<Phases, 'write'>;
}

export function processFastChunk(
  processor: FastChunkProcessor,
  request: ChunkRequest,
  encode: (batch: ColumnarBatch) => EncodedRowGroup,
): ChunkOutcome {
  const result = processor.processNdjson(request.chunk, request.source, request.maxRecordBytes);
  const started = performance.now();
  const rowGroup = result.batch.rows ? encode(result.batch) : undefined;
  return {
    seq: request.seq,
    rowGroup,
    quarantined: result.quarantined,
    received: result.received,
    accepted: result.batch.rows,
    general: result.general,
    suspects: result.suspects,
    phases: { ...result.timings, encode: performance.now() - started },
  };
}

export interface FastEngineOptions {
  readonly source: string;
  readonly batchSize: number;
  readonly maxRecordBytes: number;
  readonly parquet: ColumnarParquetOptions;
  /** Worker threads (default: `defaultThreads()`); 0 runs on the calling thread. */
  readonly threads?: number;
  /** With `threads: 0`: encode row groups on a thread of their own while the next batch is parsed. */
  readonly encoderThread?: boolean;
  /**
   * With `threads: 0`: rows per row group at most; batches are joined while the records they hold stay within it
   * (default: `FAST_ROW_GROUP_ROWS`, or the batch size if larger). Worker threads write one row group per batch.
   */
  readonly rowGroupRows?: number;
}

/**
 * Records per row group on the calling-thread path when the caller does not say. With the default batch size
 * (65,536 records, the de-duplication scope) that is one row group per batch; with smaller batches — faster here
 * (8,192: 0.88× the wall time, 0.85× the CPU, 197 instead of 250 MiB peak RSS, docs/benchmarks.md), at the cost
 * of a smaller de-duplication scope — batches are joined, so row groups stay as large.
 */
export const FAST_ROW_GROUP_ROWS = 65_536;

/**
 * A worker thread's module: the `.ts` source next to this file, or, when this code runs from a bundle
 * (`scripts/build.ts`), the worker bundled next to it, so a worker starts without type stripping either.
 */
function workerUrl(name: 'records-worker' | 'encode-worker'): URL {
  return new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.mjs'}`, import.meta.url);
}

/** The contract's fast plan, or why the general path must run instead. */
export function fastPlanOf(contract: Contract): FastPlan | { unsupported: string } {
  return planFor(contract);
}

/**
 * Worker threads when the caller does not say: none on machines with two CPUs or fewer. Measured on the 2-vCPU
 * reference machine (docs/benchmarks.md), two workers took 1.6× the CPU time of one thread for the same work —
 * the vCPUs share one core's execution units — so the calling thread alone finishes first there.
 */
export function defaultThreads(): number {
  const cpus = availableParallelism();
  return cpus <= 2 ? 0 : Math.min(cpus, 4);
}

/** Numbers the chunks of one input in order, as requests for the chunk processors. */
function requests(options: FastEngineOptions): (chunk: LineChunk) => ChunkRequest {
  let seq = 0;
  return (chunk) => ({ seq: seq++, chunk, source: options.source, maxRecordBytes: options.maxRecordBytes });
}

/** Streams an NDJSON file through the fast path; outcomes arrive in input order. */
export async function* runFastNdjson(
  path: string,
  contract: Contract,
  plan: FastPlan,
  options: FastEngineOptions,
): AsyncIterable<ChunkOutcome> {
  const threads = options.threads ?? defaultThreads();
  const request = requests(options);
  if (threads === 0) {
    const processor = new FastChunkProcessor(contract, plan, options.batchSize);
    const encoder = options.encoderThread ? new EncoderThread() : undefined;
    const chunks = splitLines(path, { ...options, reuse: true });
    try {
      for await (const outcome of pipelined(chunks, encoder, rowGroupSettings(options), request, (job) =>
        processor.processNdjson(job.chunk, job.source, job.maxRecordBytes),
      ))
        if (!('stoppedAt' in outcome)) yield outcome; // NDJSON never stops early
    } finally {
      await encoder?.close();
    }
    return;
  }
  const local = new FastChunkProcessor(contract, plan, options.batchSize);
  yield* new WorkerPool(contract, options, threads, local).run(splitLines(path, options), request);
}

/**
 * Worker threads plus the calling thread: a worker takes up to two batches (one running, one waiting in its
 * queue, so it never idles while the calling thread is busy); when every worker is full, the calling thread
 * processes a batch itself. It is warm from the start, while a worker needs ~0.5 s to load and compile the
 * contract, so short inputs are not held up by worker start-up either.
 */
class WorkerPool {
  private readonly workers: Worker[];
  private readonly inflight = new Map<Worker, number>();
  private readonly done = new Map<number, ChunkOutcome>();
  private readonly local: FastChunkProcessor;
  private readonly parquet: ColumnarParquetOptions;
  private failure: Error | undefined;
  private closing = false;
  private wake: (() => void) | undefined;

  constructor(contract: Contract, options: FastEngineOptions, threads: number, local: FastChunkProcessor) {
    this.local = local;
    this.parquet = options.parquet;
    const workerData = { contract, parquet: options.parquet, batchSize: options.batchSize };
    this.workers = Array.from({ length: threads }, () => {
      const worker = new Worker(workerUrl('records-worker'), { workerData });
      this.inflight.set(worker, 0);
      worker.on('message', (outcome: ChunkOutcome) => {
        this.done.set(outcome.seq, outcome);
        this.inflight.set(worker, (this.inflight.get(worker) ?? 1) - 1);
        this.notify();
      });
      worker.on('error', (error) => {
        this.failure ??= error;
        this.notify();
      });
      worker.on('exit', (code) => {
        if (!this.closing) this.failure ??= new Error(`fast engine worker exited with code ${code}`);
        this.notify();
      });
      return worker;
    });
  }

  /** The least busy worker that can take one more batch. */
  private available(): Worker | undefined {
    let best: Worker | undefined;
    for (const [worker, n] of this.inflight) if (n < 2 && (!best || n < (this.inflight.get(best) ?? 0))) best = worker;
    return best;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async settle(): Promise<void> {
    this.rethrow();
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.rethrow();
  }

  private rethrow(): void {
    const failure: Error | undefined = this.failure;
    if (failure) throw failure;
  }

  async *run(
    chunks: AsyncIterable<LineChunk>,
    request: (chunk: LineChunk) => ChunkRequest,
  ): AsyncIterable<ChunkOutcome> {
    let sent = 0;
    let next = 0;
    const queue: ChunkRequest[] = [];
    try {
      const iterator = chunks[Symbol.asyncIterator]();
      let exhausted = false;
      while (!exhausted || next < sent || queue.length) {
        if (!exhausted && queue.length === 0) {
          const step = await iterator.next();
          if (step.done) exhausted = true;
          else queue.push(request(step.value));
        }
        this.rethrow();
        for (let worker = this.available(); queue.length && worker; worker = this.available()) {
          const job = queue.shift() as ChunkRequest;
          worker.postMessage(job, [job.chunk.bytes.buffer as ArrayBuffer]);
          this.inflight.set(worker, (this.inflight.get(worker) ?? 0) + 1);
          sent++;
        }
        if (queue.length) {
          // Every worker is full: the calling thread takes this batch.
          const job = queue.shift() as ChunkRequest;
          this.done.set(
            job.seq,
            processFastChunk(this.local, job, (batch) => encodeRowGroup(batch, this.parquet)),
          );
          sent++;
        }
        while (this.done.has(next)) {
          const outcome = this.done.get(next) as ChunkOutcome;
          this.done.delete(next++);
          yield outcome;
        }
        if (exhausted && next < sent && !this.done.has(next)) await this.settle();
        else await new Promise<void>((resolve) => setImmediate(resolve)); // let worker messages in
      }
    } finally {
      this.closing = true;
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
  }
}

/**
 * Streams a CSV file through the fast path on the calling thread. At the first chunk holding CSV syntax only
 * csv-parse may judge (see scan-csv.ts), the rest of the file — from that chunk's first record, a batch boundary
 * — goes through the general parser instead, so the output is the general path's in every case.
 */
export async function* runFastCsv(
  path: string,
  contract: Contract,
  plan: FastPlan,
  options: FastEngineOptions & {
    readonly delimiter: string;
    /** Column names in file order (the scanner matches them to contract fields). */
    readonly header: readonly string[];
    /** Bytes before the first record: a BOM, and the header line when `headerRow`. */
    readonly headerBytes: number;
    /** The file's first line is the header (else `header` was given and records start on line 1). */
    readonly headerRow: boolean;
  },
): AsyncIterable<ChunkOutcome> {
  const processor = new FastChunkProcessor(contract, plan, options.batchSize);
  const csv = {
    header: options.header,
    delimiter: options.delimiter.charCodeAt(0),
    maxRecordBytes: options.maxRecordBytes,
  };
  const chunks = splitLines(path, {
    ...options,
    reuse: true,
    start: { offset: options.headerBytes, line: options.headerRow ? 2 : 1 },
    blank: 'csv',
  });
  const encoder = options.encoderThread ? new EncoderThread() : undefined;
  const request = requests(options);
  try {
    for await (const outcome of pipelined(chunks, encoder, rowGroupSettings(options), request, (job) => {
      const result = processor.processCsv(job.chunk, options.source, csv);
      return 'anomaly' in result ? undefined : result;
    })) {
      if ('stoppedAt' in outcome) {
        yield* generalCsvFrom(path, contract, options, outcome.stoppedAt, outcome.seq);
        return;
      }
      yield outcome;
    }
  } finally {
    await encoder?.close();
  }
}

async function* generalCsvFrom(
  path: string,
  contract: Contract,
  options: FastEngineOptions & {
    readonly delimiter: string;
    readonly header: readonly string[];
    readonly headerBytes: number;
    readonly headerRow: boolean;
  },
  chunk: LineChunk,
  seq: number,
): AsyncIterable<ChunkOutcome> {
  // csv-parse reads the BOM and header line, empty lines in place of the records already done (it skips empty
  // lines but counts them, so its line numbers and messages are the file's own), then the file from the chunk on.
  const bodyLine = options.headerRow ? 2 : 1;
  async function* bytes(): AsyncIterable<Uint8Array> {
    if (options.headerBytes > 0) yield* createReadStream(path, { start: 0, end: options.headerBytes - 1 });
    const padding = Buffer.alloc(1 << 20, 0x0a);
    for (let left = chunk.firstLine - bodyLine; left > 0; left -= padding.length)
      yield padding.subarray(0, Math.min(left, padding.length));
    yield* createReadStream(path, { start: chunk.firstOffset });
  }
  const { parseCsv } = await import('../../formats/csv.ts'); // csv-parse: only when needed
  const items = parseCsv(bytes(), {
    delimiter: options.delimiter,
    maxRecordBytes: options.maxRecordBytes,
    ...(options.headerRow ? {} : { columns: options.header }),
  });
  const processor = new RecordProcessor(contract);
  for await (const processed of processItems(items, processor, {
    source: options.source,
    batchSize: options.batchSize,
    textValues: true,
  })) {
    const started = performance.now();
    const rowGroup = processed.batch.length
      ? encodeRowGroup(columnarFromRecordBatch(processed.batch), options.parquet)
      : undefined;
    yield {
      seq: seq++,
      rowGroup,
      quarantined: [...processed.quarantined],
      received: processed.received,
      accepted: processed.batch.length,
      general: processed.received,
      suspects: 0,
      phases: { parse: 0, validate: 0, encode: performance.now() - started },
    };
  }
}

/** A chunk's outcome from a parse result and the row group (if this chunk completed one) `encoded` will hold. */
async function outcomeOf(
  seq: number,
  result: FastChunkResult,
  encoded: Promise<EncodedPart | undefined>,
): Promise<ChunkOutcome> {
  const done = await encoded;
  return {
    seq,
    rowGroup: done?.rowGroup,
    quarantined: result.quarantined,
    received: result.received,
    accepted: result.batch.rows,
    general: result.general,
    suspects: result.suspects,
    phases: { ...result.timings, encode: done?.ms ?? 0 },
  };
}

/** The outcome that carries the rows still pending when the input ends (or the fast path stops). */
async function flushOutcome(seq: number, encoded: Promise<EncodedPart>): Promise<ChunkOutcome> {
  const done = await encoded;
  return {
    seq,
    rowGroup: done.rowGroup,
    quarantined: [],
    received: 0,
    accepted: 0,
    general: 0,
    suspects: 0,
    phases: { parse: 0, validate: 0, encode: done.ms },
  };
}

interface RowGroupSettings {
  readonly parquet: ColumnarParquetOptions;
  /** Records (received, quarantined ones included) whose rows one row group holds at most, and per batch. */
  readonly records: number;
  readonly batch: number;
}

function rowGroupSettings(options: FastEngineOptions): RowGroupSettings {
  const batch = Math.max(1, options.batchSize);
  return { parquet: options.parquet, records: Math.max(batch, options.rowGroupRows ?? FAST_ROW_GROUP_ROWS), batch };
}

/** What encoding a batch gave: a row group when the batch completed one, and the milliseconds it took. */
interface EncodedPart {
  readonly rowGroup: EncodedRowGroup | undefined;
  readonly ms: number;
}

/**
 * Row groups made of several batches, encoded on the calling thread: each batch is copied out of the parser's
 * reused builders, and the copies are joined and encoded once they hold enough rows.
 */
class LocalRowGroups {
  private readonly pending: ColumnarBatch[] = [];
  private readonly settings: RowGroupSettings;

  constructor(settings: RowGroupSettings) {
    this.settings = settings;
  }

  add(batch: ColumnarBatch, cut: boolean): EncodedPart {
    if (cut && this.pending.length === 0) return this.encode(batch); // a row group of one batch: no copy
    this.pending.push(detach(batch).batch);
    return cut ? this.flush() : { rowGroup: undefined, ms: 0 };
  }

  flush(): EncodedPart {
    const part = this.encode(concatBatches(this.pending));
    this.pending.length = 0;
    return part;
  }

  private encode(batch: ColumnarBatch): EncodedPart {
    const started = performance.now();
    const rowGroup = encodeRowGroup(batch, this.settings.parquet);
    return { rowGroup, ms: performance.now() - started };
  }
}

/**
 * Runs chunks through `parse` (parse, validate, transform) on the calling thread and encodes their rows on the
 * encoder thread when there is one (the calling thread parses chunk N+1 meanwhile), else right here, as row groups
 * made of whole batches: a batch joins the pending row group while the records received since the last one, and
 * a further batch, would stay within `settings.records`. Outcomes come out in input order; the rows still pending
 * at the end (or when `parse` returns undefined and ends the stream early: CSV's csv-parse fallback) come in an
 * outcome of their own, before the stop.
 *
 * Measured on the 2-vCPU reference machine (docs/benchmarks.md): also giving the second thread whole chunks to
 * parse when its encode queue runs dry made runs ~10% slower, not faster — two threads parsing at once each ran
 * ~1.6× slower there, as with the worker pool — so the second thread only encodes.
 */
async function* pipelined(
  chunks: AsyncIterable<LineChunk>,
  encoder: EncoderThread | undefined,
  settings: RowGroupSettings,
  request: (chunk: LineChunk) => ChunkRequest,
  parse: (job: ChunkRequest) => FastChunkResult | undefined,
): AsyncIterable<ChunkOutcome | { stoppedAt: LineChunk; seq: number }> {
  const local = encoder ? undefined : new LocalRowGroups(settings);
  // Outcomes wait here in input order. One whose row group is still being encoded does not hold up parsing until
  // MAX_IN_FLIGHT are waiting: a row group is encoded while the batches of the next one are parsed.
  const queue: { readonly outcome: Promise<ChunkOutcome>; settled: boolean }[] = [];
  const enqueue = (outcome: Promise<ChunkOutcome>): void => {
    const entry = { outcome, settled: false };
    const settle = (): void => {
      entry.settled = true;
    };
    outcome.then(settle, settle);
    queue.push(entry);
  };
  let pendingRows = 0;
  let receivedSinceCut = 0;
  let nextSeq = 0;
  const flush = (seq: number): void => {
    if (pendingRows === 0) return;
    pendingRows = 0;
    receivedSinceCut = 0;
    const encoded = encoder ? encoder.flush(seq, settings.parquet) : Promise.resolve((local as LocalRowGroups).flush());
    enqueue(flushOutcome(seq, encoded));
  };
  for await (const chunk of chunks) {
    const job = request(chunk);
    nextSeq = job.seq + 1;
    const result = parse(job);
    if (!result) {
      flush(job.seq);
      while (queue.length) yield await (queue.shift() as (typeof queue)[number]).outcome;
      yield { stoppedAt: chunk, seq: nextSeq };
      return;
    }
    receivedSinceCut += result.received;
    if (!result.batch.rows) enqueue(outcomeOf(job.seq, result, Promise.resolve(undefined)));
    else {
      pendingRows += result.batch.rows;
      const cut = receivedSinceCut + settings.batch > settings.records;
      if (cut) {
        pendingRows = 0;
        receivedSinceCut = 0;
      }
      enqueue(
        outcomeOf(
          job.seq,
          result,
          encoder
            ? encoder.encode(job.seq, detach(result.batch), settings.parquet, cut)
            : Promise.resolve((local as LocalRowGroups).add(result.batch, cut)),
        ),
      );
    }
    while (queue.length && ((queue[0] as (typeof queue)[number]).settled || queue.length > MAX_IN_FLIGHT))
      yield await (queue.shift() as (typeof queue)[number]).outcome;
  }
  flush(nextSeq);
  while (queue.length) yield await (queue.shift() as (typeof queue)[number]).outcome;
}

/** Outcomes the calling thread may run ahead of (see pipelined). */
const MAX_IN_FLIGHT = 32;

/** A copy of a batch in buffers of its own, ready to be transferred to another thread. */
function detach(batch: ColumnarBatch): { batch: ColumnarBatch; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const own = <T extends Int32Array | BigInt64Array | Float64Array | Uint8Array>(array: T, length: number): T => {
    const copy = array.slice(0, length) as T;
    transfer.push(copy.buffer as ArrayBuffer);
    return copy;
  };
  const leaves: LeafVector[] = batch.leaves.map((leaf) => ({
    ...leaf,
    definitionLevels: leaf.definitionLevels ? own(leaf.definitionLevels, leaf.rows) : null,
    values:
      leaf.kind === 'bytes'
        ? own(leaf.values, (leaf.starts as Int32Array)[leaf.count] as number)
        : own(leaf.values, leaf.count),
    starts: leaf.starts ? own(leaf.starts, leaf.count + 1) : null,
  }));
  return { batch: { ...batch, leaves }, transfer };
}

/**
 * A message to the encoder thread: a batch to add to the pending row group (none for a flush), and whether the
 * row group is complete with it (`cut`: encode what is pending). The answer carries the row group when cut.
 */
export interface EncodeJob {
  readonly seq: number;
  readonly batch: ColumnarBatch | null;
  readonly cut: boolean;
  readonly options: ColumnarParquetOptions;
}

export interface EncodedJob {
  readonly seq: number;
  readonly rowGroup: EncodedRowGroup | undefined;
  readonly ms: number;
}

/**
 * The thread that encodes row groups while the calling thread parses (`encode-worker`: the columnar encoder only,
 * so it starts in milliseconds). Jobs run in the order given.
 */
class EncoderThread {
  private readonly worker = new Worker(workerUrl('encode-worker'));
  private readonly waiting = new Map<number, { resolve: (job: EncodedJob) => void; reject: (e: Error) => void }>();
  private closing = false;

  constructor() {
    this.worker.on('message', (done: EncodedJob) => {
      const waiter = this.waiting.get(done.seq);
      this.waiting.delete(done.seq);
      waiter?.resolve(done);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`Parquet encoder thread exited with code ${code}`));
    });
  }

  private fail(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  /** Adds chunk `seq`'s batch (its own buffers, transferred) to the pending row group; encodes it when `cut`. */
  encode(
    seq: number,
    detached: { batch: ColumnarBatch; transfer: ArrayBuffer[] },
    options: ColumnarParquetOptions,
    cut: boolean,
  ): Promise<EncodedPart> {
    return this.post({ seq, batch: detached.batch, cut, options }, detached.transfer);
  }

  /** Encodes the rows pending, as the row group of message `seq`. */
  flush(seq: number, options: ColumnarParquetOptions): Promise<EncodedPart> {
    return this.post({ seq, batch: null, cut: true, options }, []);
  }

  private post(job: EncodeJob, transfer: ArrayBuffer[]): Promise<EncodedPart> {
    return new Promise((resolve, reject) => {
      this.waiting.set(job.seq, { resolve, reject });
      this.worker.postMessage(job, transfer);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}
