// A consumer process for the crash tests: handles batches by appending each record's sequence number to a file
// (fsynced before the handler returns), so the file is the ground truth of what was handled.
//   node consumer-child.ts <warehouse> <stream> <outFile> [--drain]
// Without --drain it runs until killed; with --drain it handles everything committed and exits.
import { appendFileSync } from 'node:fs';
import { Consumer } from '../../../src/stream/consumer.ts';

const [warehouse, stream, outFile, mode] = process.argv.slice(2);
if (!warehouse || !stream || !outFile) throw new Error('usage: consumer-child.ts <warehouse> <stream> <outFile>');
const consumer = new Consumer({
  warehouse,
  stream,
  batchSize: 50,
  maxBatchingWindowMs: 0,
  pollIntervalMs: 1,
  handler: (batch) => {
    appendFileSync(outFile, batch.map((r) => `${r.sequenceNumber}\n`).join(''), { flush: true });
    return Promise.resolve({ batchItemFailures: [] });
  },
});
if (mode === '--drain') {
  await consumer.drain();
  await consumer.close();
} else {
  process.stdout.write('ready\n');
  await consumer.run();
}
