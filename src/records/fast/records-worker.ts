// A fast-path worker thread: NDJSON chunks in, encoded Parquet row groups and quarantine entries out. Parsing,
// validation and Parquet encoding (zstd included) all happen here, off the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { Contract } from '../../contracts/model.ts';
import { encodeRowGroup, type ColumnarParquetOptions } from '../../parquet/columnar/index.ts';
import { processFastChunk, type ChunkRequest, type ChunkOutcome } from './engine.ts';
import { FastChunkProcessor } from './chunk.ts';
import { planFor } from './plan.ts';

const { contract, parquet, batchSize } = workerData as {
  contract: Contract;
  parquet: ColumnarParquetOptions;
  batchSize: number;
};
const plan = planFor(contract);
if ('unsupported' in plan) throw new Error(`no fast plan: ${plan.unsupported}`);
const processor = new FastChunkProcessor(contract, plan, batchSize);
const port = parentPort;
if (!port) throw new Error('records-worker.ts runs as a worker thread');
port.on('message', (request: ChunkRequest) => {
  const outcome: ChunkOutcome = processFastChunk(processor, request, (batch) => encodeRowGroup(batch, parquet));
  // The row group's bytes move to the calling thread rather than being copied.
  port.postMessage(outcome, outcome.rowGroup ? [outcome.rowGroup.bytes.buffer as ArrayBuffer] : []);
});
