// The CLI's start-up and exit contract: only the command being run is loaded; --version; usage errors are one
// line with a hint and exit 2; runtime errors exit 1; commands that only read never create a warehouse.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/main.ts';
import { tempDir } from '../../helpers/tmp.ts';

const root = join(import.meta.dirname, '../../..');
const bin = join(root, 'src/cli/bin.mjs');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

// Records every file the process loads (ESM and CommonJS alike) and prints them on stderr at exit.
const countModules =
  'data:text/javascript,' +
  encodeURIComponent(`
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({ load(url, context, next) { if (url.startsWith('file:')) loaded.add(url); return next(url, context); } });
    process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...loaded]) + '\\n'));
  `);

function lakehouse(args: readonly string[], options: { cwd?: string; nodeArgs?: readonly string[] } = {}) {
  const env = { ...process.env };
  delete env.LAKEHOUSE_HOME; // the default warehouse is ./.lakehouse of the working directory
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? tempDir(),
    env,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function modulesLoadedBy(args: readonly string[]): string[] {
  const { status, stderr } = lakehouse(args, { nodeArgs: ['--import', countModules] });
  expect(status, stderr).toBe(0);
  const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
  expect(line, stderr).toBeDefined();
  return (JSON.parse((line as string).slice('LOADED '.length)) as string[]).map((url) => url.slice(url.indexOf('/')));
}

describe('lakehouse start-up', () => {
  it('--help loads commander and the command table only, no command module or its dependencies', () => {
    const loaded = modulesLoadedBy(['--help']);
    const outside = loaded.filter((path) => !path.includes('/node_modules/commander/'));
    // bin.mjs, main.ts, errors.ts and package.json (the version); before the change: over 500 files, every AWS SDK
    // client, Fastify and ajv included.
    expect(outside.map((path) => path.slice(path.lastIndexOf('/') + 1)).sort()).toEqual(
      ['bin.mjs', 'errors.ts', 'main.ts'].sort(),
    );
    expect(loaded.length).toBeLessThanOrEqual(15);
  });

  it('a command loads its own module and not the others', () => {
    const loaded = modulesLoadedBy(['sample', '--help']);
    expect(loaded.some((path) => path.endsWith('/src/cli/commands/sample.ts'))).toBe(true);
    expect(loaded.filter((path) => /\/src\/cli\/commands\/(?!sample\.ts)/.test(path))).toEqual([]);
    expect(loaded.filter((path) => /node_modules\/(@aws-sdk|fastify)\//.test(path))).toEqual([]);
  });

  it("lists each command with the summary its module gives itself (the lazy table's copy stays true)", async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const program = new Command('lakehouse');
      (await entry.load()).register(program);
      expect(program.commands.map((c) => c.name())).toEqual([name]);
      expect(program.commands[0]?.description(), name).toBe(entry.summary);
    }
  });
});

describe('lakehouse exit codes', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', (flag) => {
    expect(lakehouse([flag])).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it.each([
    [['snapshots'], /^lakehouse: missing required argument 'table' \(see `lakehouse snapshots --help`\)$/],
    [['tables', '--frob'], /^lakehouse: unknown option '--frob' \(see `lakehouse tables --help`\)$/],
    [['sample', '--events'], /^lakehouse: option '--events <n>' argument missing \(see `lakehouse sample --help`\)$/],
    [['no-such-command'], /^lakehouse: unknown command 'no-such-command' \(see `lakehouse --help`\)$/],
    [['--frob'], /^lakehouse: unknown option '--frob' \(see `lakehouse --help`\)$/],
  ])('usage error %j: exit 2, one line with a hint, no help dump', (args, message) => {
    const { status, stdout, stderr } = lakehouse(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
  });

  it('a runtime error exits 1 with one line', () => {
    const { status, stdout, stderr } = lakehouse(['sample', '--invalid-rate', '2']);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd()).toBe('lakehouse: --invalid-rate must be within 0..1, got 2');
  });
});

describe('commands that only read', () => {
  it.each([[['tables']], [['snapshots', 'raw.events']], [['query', 'SELECT 1']]])(
    '%j in an empty folder says there is no warehouse, exits 1 and creates nothing',
    (args) => {
      const cwd = tempDir();
      const { status, stdout, stderr } = lakehouse(args, { cwd });
      expect(status).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trimEnd()).toBe(
        `lakehouse: no warehouse at ${join(cwd, '.lakehouse')}: create one with \`lakehouse run\` or ` +
          '`lakehouse ingest`, or pass --warehouse',
      );
      expect(readdirSync(cwd)).toEqual([]);
    },
  );

  it('an explicit --warehouse that does not exist is not created either', () => {
    const cwd = tempDir();
    const { status } = lakehouse(['tables', '--warehouse', 'typo'], { cwd });
    expect(status).toBe(1);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
