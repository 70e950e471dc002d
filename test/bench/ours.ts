// Our contender for `npm run bench`: the library's convert path (NDJSON → validate → transform → quarantine →
// Parquet zstd with field ids and statistics), as its own process. Prints one JSON line with counts and peak RSS.
import { loadContract } from '../../src/contracts/load.ts';
import { convertFile } from '../../src/jobs/convert.ts';

const [input, out, contractName = 'events'] = process.argv.slice(2) as [string, string, string?];
const summary = await convertFile(input, await loadContract(contractName), out);
process.stdout.write(
  JSON.stringify({
    received: summary.received,
    records: summary.accepted,
    quarantined: summary.quarantined,
    bytes: summary.files.reduce((n, f) => n + f.bytes, 0),
    max_rss: process.resourceUsage().maxRSS * 1024,
  }) + '\n',
);
