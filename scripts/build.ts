// Bundles library entry points and the fast engine's worker threads into one ESM file each (esbuild, node22),
// dependencies included. Run from source, every process and every worker thread pays Node's type stripping and
// the resolution of a few hundred modules (~0.2 s here, per thread); a bundle starts in ~0.1 s. The Lambda
// handlers are bundled the same way at synth (stacks/constructs/bundled-function.ts); `npm run bench` bundles its
// contender with this (test/bench/records.bench.ts).
//
//   node scripts/build.ts <outdir> <name>=<entry.ts> …   → <outdir>/<name>.mjs + records-worker.mjs + encode-worker.mjs
//
// Only code that finds its files through imports can be bundled: the CLI's `run` and `query` locate dbt and Python
// scripts relative to the source tree, so the CLI itself runs from source.
//
// The workers must sit next to the bundle that starts them: engine.ts looks for `./<name>.mjs` beside itself
// when it does not run from a `.ts` file.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The fast engine's worker threads, by the name engine.ts asks for. */
const WORKERS = {
  'records-worker': 'src/records/fast/records-worker.ts',
  'encode-worker': 'src/records/fast/encode-worker.ts',
} as const;

/**
 * Bundles `entries` (output name → source path relative to the repo root) and the worker threads into `outdir`.
 * Returns the bundled entries' paths.
 */
export async function bundle(outdir: string, entries: Readonly<Record<string, string>>): Promise<string[]> {
  const points = { ...entries, ...WORKERS };
  await build({
    entryPoints: Object.fromEntries(Object.entries(points).map(([name, path]) => [name, join(root, path)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // A few dependencies are CommonJS and call require() for Node built-ins; an ES module has no require.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
    legalComments: 'none',
  });
  return Object.keys(entries).map((name) => join(outdir, `${name}.mjs`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [outdir, ...pairs] = process.argv.slice(2);
  const entries: Record<string, string> = {};
  for (const pair of pairs) {
    const [name, entry] = pair.split('=');
    if (name && entry) entries[name] = entry;
  }
  if (!outdir || !pairs.length || Object.keys(entries).length !== pairs.length) {
    process.stderr.write('usage: node scripts/build.ts <outdir> <name>=<entry.ts> …\n');
    process.exit(2);
  }
  for (const path of await bundle(resolve(outdir), entries)) process.stdout.write(`${path}\n`);
}
