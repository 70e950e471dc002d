// A thread that only encodes Parquet row groups (pages, dictionaries, statistics, zstd): the fast engine hands it
// each batch's typed columns and goes on parsing the next batch meanwhile. It loads the columnar encoder only —
// no contract compiler, no parsers — so it starts in a few milliseconds.
import { parentPort } from 'node:worker_threads';
import { encodeRowGroup, type ColumnarParquetOptions } from '../../parquet/columnar/index.ts';
import type { ColumnarBatch } from '../columns.ts';

const port = parentPort;
if (!port) throw new Error('encode-worker.ts runs as a worker thread');
port.on('message', ({ batch, options }: { batch: ColumnarBatch; options: ColumnarParquetOptions }) => {
  const started = performance.now();
  const rowGroup = encodeRowGroup(batch, options);
  port.postMessage({ rowGroup, ms: performance.now() - started }, [rowGroup.bytes.buffer as ArrayBuffer]);
});
