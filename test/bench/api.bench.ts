// `npm run bench:api`: load on the local ingest API over loopback, side by side with a bare Fastify endpoint.
//   batched — NDJSON bodies of --batch events, --batched-concurrency in flight: events/s accepted, latency
//             percentiles (a few producers sending big batches, as a real batch producer does)
//   single  — one JSON event per request, --concurrency in flight: requests/s and latency, against the bare endpoint's requests/s
// Zero loss: the events the API acknowledged are counted in the stream, then the processor commits them and the
// Iceberg table's row count must equal them.
// Requests go only to 127.0.0.1; every loop is bounded by --seconds and stops by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { eventRecords } from '../../src/sample/generate.ts';

const root = resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
    'batched-concurrency': { type: 'string', default: '2' },
    smoke: { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const batchSize = Number(args.batch);
const concurrency = Number(args.concurrency);
const batchedConcurrency = Number(args['batched-concurrency']);

interface Server {
  url: string;
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

async function startServer(mode: 'api' | 'bare', warehouse: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_CPU_PROF] : []),
      join(root, 'test/bench/api-server.ts'),
      mode,
      warehouse,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LAKEHOUSE_LOG_LEVEL: 'warn' },
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  return { url: (JSON.parse(first.value as string) as { url: string }).url, child, lines };
}

async function stopServer(server: Server): Promise<Record<string, number>> {
  server.child.kill('SIGTERM');
  const last = await server.lines.next();
  return JSON.parse((last.value as string | undefined) ?? '{}') as Record<string, number>;
}

interface LoadResult {
  requests: number;
  accepted: number;
  events: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

async function load(
  url: string,
  nextBody: () => Buffer,
  contentType: string,
  eventsPerBody: number,
  inFlight: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const target = new URL('/v1/datasets/events/records', url);
  const result: LoadResult = { requests: 0, accepted: 0, events: 0, errors: 0, seconds: 0, latenciesMs: [] };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const send = (body: Buffer) =>
    new Promise<number>((done) => {
      const req = request(
        target,
        { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0));
        },
      );
      req.on('error', () => done(0));
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const body = nextBody();
        const t0 = performance.now();
        const status = await send(body);
        result.latenciesMs.push(performance.now() - t0);
        result.requests++;
        if (status === 202) {
          result.accepted++;
          result.events += eventsPerBody;
        } else {
          result.errors++;
        }
      }
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

// Valid events only (the API rejects a whole request with any invalid record). Every request gets fresh event
// ids, so that the processor's de-duplication cannot hide a lost record behind a repeated one.
const pool = [...eventRecords(2000, { seed: 5, invalidRate: 0 })];
let nextId = 0;
const freshId = () => `00000000-0000-4000-8000-${(nextId++).toString(16).padStart(12, '0')}`;
const withFreshId = (line: string) => line.replace(/^\{"event_id":"[^"]+"/, `{"event_id":"${freshId()}"`);
let cursor = 0;
const batchedBody = () =>
  Buffer.from(Array.from({ length: batchSize }, () => withFreshId(pool[cursor++ % pool.length] as string)).join('\n'));
const singleBody = () => Buffer.from(withFreshId(pool[cursor++ % pool.length] as string));

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  seconds,
  batchSize,
  batchedConcurrency,
  concurrency,
};
for (const scenario of ['batched', 'single'] as const) {
  const warehouse = mkdtempSync(join(tmpdir(), 'lakehouse-bench-api-'));
  const server = await startServer('api', warehouse);
  const run =
    scenario === 'batched'
      ? await load(server.url, batchedBody, 'application/x-ndjson', batchSize, batchedConcurrency)
      : await load(server.url, singleBody, 'application/json', 1, concurrency);
  const stored = await stopServer(server);
  rmSync(warehouse, { recursive: true, force: true });
  report[scenario] = {
    requestsPerSecond: run.requests / run.seconds,
    eventsPerSecond: run.events / run.seconds,
    p50Ms: percentile(run.latenciesMs, 50),
    p99Ms: percentile(run.latenciesMs, 99),
    errors: run.errors,
    eventsAccepted: run.events,
    eventsInStream: stored.events,
    rowsInIceberg: stored.tableRows,
    lost: run.events - (stored.tableRows ?? 0),
  };
}
const bare = await startServer('bare', '');
const bareRun = await load(bare.url, singleBody, 'application/json', 1, concurrency);
await stopServer(bare);
report.bare = { requestsPerSecond: bareRun.requests / bareRun.seconds, p99Ms: percentile(bareRun.latenciesMs, 99) };

const batched = report.batched as { eventsPerSecond: number; p99Ms: number; lost: number };
const single = report.single as { requestsPerSecond: number; p99Ms: number; lost: number };
const bareRps = (report.bare as { requestsPerSecond: number }).requestsPerSecond;
report.ratios = {
  batched_events_vs_required_20000: batched.eventsPerSecond / 20_000,
  single_requests_vs_required_100: single.requestsPerSecond / 100,
  single_requests_vs_bare_fastify: single.requestsPerSecond / bareRps,
};
console.log(
  `batched: ${Math.round(batched.eventsPerSecond).toLocaleString('en-US')} events/s, p99 ${batched.p99Ms.toFixed(1)} ms, lost ${batched.lost}`,
);
console.log(
  `single:  ${Math.round(single.requestsPerSecond).toLocaleString('en-US')} req/s, p99 ${single.p99Ms.toFixed(1)} ms, lost ${single.lost}`,
);
console.log(`bare Fastify: ${Math.round(bareRps).toLocaleString('en-US')} req/s`);
console.log(JSON.stringify(report));
if (batched.lost !== 0 || single.lost !== 0) {
  console.error('events acknowledged by the API are missing from the Iceberg table');
  process.exitCode = 1;
}
