// A thread that only encodes Parquet row groups (pages, dictionaries, statistics, zstd): the fast engine hands it
// each batch's typed columns and goes on parsing the next batch meanwhile. It loads the columnar encoder only —
// no contract compiler, no parsers — so it starts in a few milliseconds.
import { parentPort } from 'node:worker_threads';
import { encodeRowGroup } from '../../parquet/columnar/index.ts';
import type { EncodedJob, EncodeJob } from './engine.ts';

const port = parentPort;
if (!port) throw new Error('encode-worker.ts runs as a worker thread');
port.on('message', ({ seq, batch, options }: EncodeJob) => {
  const started = performance.now();
  const rowGroup = encodeRowGroup(batch, options);
  const done: EncodedJob = { seq, rowGroup, ms: performance.now() - started };
  port.postMessage(done, [rowGroup.bytes.buffer as ArrayBuffer]);
});
