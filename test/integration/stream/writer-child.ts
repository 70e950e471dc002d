// A producer process for the crash tests: publishes to a local stream as fast as it can (several publishes in
// flight, 1 to 50 records each) and prints `ack <call> <firstSequenceNumber> <count>` after each acknowledgement.
// The parent kills it with SIGKILL at a random moment; every printed ack must survive.
//   node writer-child.ts <warehouse> <stream> <callPrefix>
import { LocalStream } from '../../../src/stream/local.ts';

const [warehouse, name, prefix] = process.argv.slice(2);
if (!warehouse || !name || !prefix) throw new Error('usage: writer-child.ts <warehouse> <stream> <callPrefix>');
const stream = await LocalStream.open(warehouse, name, { segmentBytes: 64 * 1024 });
process.stdout.write('ready\n');
let call = 0;
async function worker(): Promise<never> {
  for (;;) {
    const id = `${prefix}.${call++}`;
    const count = 1 + (call % 50);
    const records = Array.from({ length: count }, (_, i) => ({
      partitionKey: `k${i % 7}`,
      data: new TextEncoder().encode(`${id}:${i}:${'x'.repeat((call * 31 + i) % 200)}`),
    }));
    const result = await stream.publish(records);
    const first = result.records[0];
    if (result.failedCount > 0 || !first?.ok) throw new Error(`publish failed: ${JSON.stringify(result.records[0])}`);
    process.stdout.write(`ack ${id} ${first.sequenceNumber} ${count}\n`);
  }
}
await Promise.all([worker(), worker(), worker(), worker()]);
