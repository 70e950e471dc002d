// Our contender for `npm run bench`: the library's convert path (NDJSON or CSV, by extension → validate → transform
// → quarantine → Parquet zstd with field ids and statistics), as its own process. Prints one JSON line with counts,
// peak RSS and, when the library reports them, the engine, its threads and the CPU time per phase.
import { loadContract } from '../../src/contracts/load.ts';
import { convertFile } from '../../src/jobs/convert.ts';

/** Fields the fast path adds to the convert summary; read through this so the file type-checks with or without them. */
interface EngineReport {
  readonly engine?: 'fast' | 'general';
  readonly threads?: number;
  /** CPU milliseconds, summed over threads. */
  readonly phases?: { parse: number; validate: number; encode: number; write: number };
}

const [input, out, contractName = 'events'] = process.argv.slice(2) as [string, string, string?];
const summary = await convertFile(input, await loadContract(contractName), out);
const engine = summary as unknown as EngineReport;
process.stdout.write(
  JSON.stringify({
    received: summary.received,
    records: summary.accepted,
    quarantined: summary.quarantined,
    bytes: summary.files.reduce((n, f) => n + f.bytes, 0),
    max_rss: process.resourceUsage().maxRSS * 1024,
    // Absent fields stay absent (JSON.stringify drops undefined), which the bench prints as '-'.
    engine: 'engine' in summary ? engine.engine : undefined,
    threads: 'threads' in summary ? engine.threads : undefined,
    phases: 'phases' in summary ? engine.phases : undefined,
  }) + '\n',
);
