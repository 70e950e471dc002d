// The package's public entry points, as another project or a Lambda sees them: imports by package name, the
// documented examples run by plain Node from a linked consumer, an esbuild bundle of a consumer, and tsc on a
// consumer's imports (docs/library.md).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../../package.json' with { type: 'json' };

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const subpaths = Object.keys(packageJson.exports).filter((key) => key !== './package.json');
const specifierOf = (subpath: string): string => (subpath === '.' ? 'lakehouse' : `lakehouse/${subpath.slice(2)}`);

/** The ```ts blocks of docs/library.md, in order: the documented examples. */
async function documentedExamples(): Promise<string[]> {
  const text = await readFile(join(root, 'docs/library.md'), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** Runs a program with Node and returns the JSON object on its last stdout line. */
async function runNode(file: string, cwd: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [file], { cwd, timeout: 60_000 });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

const ESM_REQUIRE_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url); import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);";

describe('public entry points', () => {
  // A consumer project outside the repository that depends on the package as a link (workspace / file: / npm link).
  let consumer: string;
  let examples: string[];
  beforeAll(async () => {
    consumer = await mkdtemp(join(tmpdir(), 'lakehouse-consumer-'));
    await mkdir(join(consumer, 'node_modules'));
    await symlink(root, join(consumer, 'node_modules', 'lakehouse'), 'dir');
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
    examples = await documentedExamples();
  });
  afterAll(async () => {
    await rm(consumer, { recursive: true, force: true });
  });

  it('imports every subpath export by package name, each with its documented names', async () => {
    expect(subpaths).toEqual(['.', './contracts', './formats', './records', './iceberg', './catalog', './io']);
    const expected: Record<string, string[]> = {
      lakehouse: ['loadContract', 'RecordProcessor', 'convertFile', 'Table', 'SqlCatalog', 'LakehouseError'],
      'lakehouse/contracts': ['loadContract', 'contractFromDocument', 'BUILTIN_CONTRACTS'],
      'lakehouse/formats': ['openFile', 'parseBytes', 'detectFormat'],
      'lakehouse/records': ['RecordProcessor', 'processItems', 'compileValidator', 'convertFile', 'QuarantineWriter'],
      'lakehouse/iceberg': ['Table', 'withLineage', 'liveFiles', 'readDataFile', 'compact', 'expireSnapshots'],
      'lakehouse/catalog': ['SqlCatalog', 'GlueCatalog', 'openCatalog'],
      'lakehouse/io': ['LocalFileIO', 'S3FileIO', 'fileIOFor'],
    };
    for (const subpath of subpaths) {
      const specifier = specifierOf(subpath);
      // Self-reference: the package resolves its own name through `exports`.
      const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
      for (const name of expected[specifier] ?? ['(no expectation for this subpath)'])
        expect(module[name], `${specifier} exports ${name}`).toBeDefined();
    }
    // Internals stay internal: a path that is not in `exports` does not resolve by package name.
    const internal = specifierOf('./src/records/pipeline.ts');
    await expect(import(/* @vite-ignore */ internal)).rejects.toThrow(/not exported/);
  });

  it('documents exactly three runnable examples', () => {
    expect(examples).toHaveLength(3);
  });

  it('runs the validation example with plain Node: one accepted, the rest quarantined with every violation', async () => {
    await writeFile(join(consumer, 'validate.ts'), examples[0] ?? '');
    const result = (await runNode('validate.ts', consumer)) as {
      accepted: number;
      quarantined: { line: number; reason: string; rules: string[] }[];
    };
    expect(result.accepted).toBe(1);
    expect(result.quarantined.map((q) => [q.line, q.reason])).toEqual([
      [2, 'validation'],
      [3, 'parse'],
    ]);
    // Every violation of line 2, not the first one: user_id pattern, email format, missing country, plan enum.
    expect(new Set(result.quarantined[0]?.rules)).toEqual(new Set(['pattern', 'format', 'required', 'enum']));
  });

  it('runs the NDJSON → Parquet example: three rows written, one quarantined', async () => {
    await writeFile(join(consumer, 'convert.ts'), examples[1] ?? '');
    const result = (await runNode('convert.ts', consumer)) as {
      received: number;
      accepted: number;
      quarantined: number;
      files: { path: string; records: number }[];
      quarantine: string;
    };
    expect([result.received, result.accepted, result.quarantined]).toEqual([4, 3, 1]);
    expect(result.files.reduce((sum, file) => sum + file.records, 0)).toBe(3);
    for (const file of result.files) {
      const bytes = await readFile(file.path);
      expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
      expect(bytes.subarray(-4).toString()).toBe('PAR1');
    }
    expect((await readFile(result.quarantine, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('runs the Iceberg example: a table written and read back through the library', async () => {
    await writeFile(join(consumer, 'iceberg.ts'), examples[2] ?? '');
    const result = await runNode('iceberg.ts', consumer);
    expect(result).toEqual({ table: 'raw.users', snapshots: 1, userIds: ['u000001', 'u000002'] });
  });

  it('bundles a consumer with esbuild from the package exports; the bundle runs with no node_modules', async () => {
    const entry = join(consumer, 'lambda.ts');
    await writeFile(entry, examples[2] ?? '');
    const outDir = await mkdtemp(join(tmpdir(), 'lakehouse-bundle-'));
    try {
      const outfile = join(outDir, 'index.mjs');
      const result = await build({
        entryPoints: [entry],
        absWorkingDir: consumer,
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'esm',
        logLevel: 'silent',
        metafile: true,
        banner: { js: ESM_REQUIRE_BANNER },
      });
      // The library came in through the package exports, resolved to its sources.
      const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(consumer, input));
      expect(inputs).toContain(join(root, 'src/iceberg/index.ts'));
      expect(await runNode(outfile, outDir)).toEqual({
        table: 'raw.users',
        snapshots: 1,
        userIds: ['u000001', 'u000002'],
      });
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('type-checks a consumer of the exports with tsc, and rejects one that misuses them', async () => {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        resolveJsonModule: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      },
      files: ['validate.ts', 'convert.ts', 'iceberg.ts', 'misuse.ts'],
    };
    for (const [name, source] of [
      ['validate.ts', examples[0]],
      ['convert.ts', examples[1]],
      ['iceberg.ts', examples[2]],
    ] as const)
      await writeFile(join(consumer, name), source ?? '');
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    // Correct use: the documented examples compile.
    await writeFile(join(consumer, 'misuse.ts'), 'export {};\n');
    await writeFile(join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig));
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, timeout: 240_000 });
    // Misuse is caught, so the types are real rather than `any`.
    await writeFile(
      join(consumer, 'misuse.ts'),
      [
        "import { loadContract } from 'lakehouse/contracts';",
        "import type { RecordBatch } from 'lakehouse/records';",
        'const contract = await loadContract(42);',
        'const rows: string = ({} as RecordBatch).length;',
        'export { contract, rows };',
      ].join('\n'),
    );
    const failure = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, timeout: 240_000 }).then(
      () => ({ stdout: 'tsc accepted the misuse' }),
      (error: { stdout: string }) => error,
    );
    expect(failure.stdout).toMatch(/misuse\.ts\(3,[^)]*\): error TS2345/);
    expect(failure.stdout).toMatch(/misuse\.ts\(4,[^)]*\): error TS2322/);
    expect(failure.stdout).not.toMatch(/^(?!misuse\.ts).*error TS/m);
  }, 300_000);
});
