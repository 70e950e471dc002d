// A thread that only encodes Parquet row groups (pages, dictionaries, statistics, zstd): the fast engine hands it
// each batch's typed columns and goes on parsing the next batch meanwhile. Batches wait here until the engine says
// their row group is complete (`cut`), then are joined and encoded as one. It loads the columnar encoder only —
// no contract compiler, no parsers — so it starts in a few milliseconds.
import { parentPort } from 'node:worker_threads';
import { concatBatches, encodeRowGroup } from '../../parquet/columnar/index.ts';
import type { ColumnarBatch } from '../columns.ts';
import type { EncodedJob, EncodeJob } from './engine.ts';

const port = parentPort;
if (!port) throw new Error('encode-worker.ts runs as a worker thread');
const pending: ColumnarBatch[] = [];
port.on('message', ({ seq, batch, cut, options }: EncodeJob) => {
  if (batch) pending.push(batch);
  if (!cut || pending.length === 0) {
    const waiting: EncodedJob = { seq, rowGroup: undefined, ms: 0 };
    port.postMessage(waiting);
    return;
  }
  const started = performance.now();
  const rowGroup = encodeRowGroup(concatBatches(pending), options);
  pending.length = 0;
  const done: EncodedJob = { seq, rowGroup, ms: performance.now() - started };
  port.postMessage(done, [rowGroup.bytes.buffer as ArrayBuffer]);
});
