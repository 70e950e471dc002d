// The `lakehouse` command line. Each sub-command lives in commands/<name>.ts and registers itself.
// Contract: progress and logs on stderr, one JSON summary object on stdout; a fatal error prints one line
// `lakehouse: <reason>` on stderr and exits non-zero (2 for usage errors, 1 otherwise).
//
// Start-up cost: only the sub-command being run is imported (with its dependencies: AWS SDK clients, Fastify,
// ajv, …); every other one is listed by name and summary only. `lakehouse --help` therefore loads commander and
// this file, nothing else.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isLakehouseError } from '../errors.ts';

interface CommandModule {
  register(program: Command): void;
}

interface CommandEntry {
  /** The one-line summary shown by `lakehouse --help` (the module's own `.description()` must say the same). */
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

/** Every sub-command, in help order. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  run: {
    summary: 'Run the whole lakehouse locally: sample → ingest API → stream → processor → Iceberg → dbt marts',
    load: () => import('./commands/run.ts'),
  },
  sample: {
    summary: 'Generate realistic synthetic NDJSON for events, users and orders (a few percent invalid)',
    load: () => import('./commands/sample.ts'),
  },
  convert: {
    summary: 'Validate and transform a file against a data contract into Iceberg-ready Parquet files',
    load: () => import('./commands/convert.ts'),
  },
  ingest: {
    summary: 'Validate and transform a file against a contract and append it to an Iceberg table (one snapshot)',
    load: () => import('./commands/ingest.ts'),
  },
  serve: {
    summary: 'Run the ingest API locally: POST records, they are validated and appended to the local stream',
    load: () => import('./commands/serve.ts'),
  },
  query: {
    summary: "Run SQL in DuckDB over the tables' current snapshots (read by Iceberg field id)",
    load: () => import('./commands/query.ts'),
  },
  tables: {
    summary: 'List the Iceberg tables in the catalog with their current snapshot',
    load: () => import('./commands/tables.ts'),
  },
  snapshots: {
    summary: "Show a table's snapshots: id, parent, sequence number, operation and summary",
    load: () => import('./commands/snapshots.ts'),
  },
  maintain: {
    summary: 'Compact small files, expire old snapshots and remove orphan files of a table (or of all)',
    load: () => import('./commands/maintain.ts'),
  },
};

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * The sub-command named on a command line, if any: the first word after the executable and script. The program
 * itself has only flag options (--help, --version), so no option value can be mistaken for it; `help <command>`
 * names the command after it.
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined;
}

/**
 * The program with every sub-command listed; `loaded` (the one being run) is registered in full, the others as
 * name and summary only, which is all `lakehouse --help` and the unknown-command suggestions need.
 */
export function buildProgram(loaded?: { name: string; module: CommandModule }): Command {
  const program = new Command('lakehouse')
    .description('An AWS data lakehouse as code, and the record pipeline that runs inside it — locally too.')
    .version(VERSION, '-V, --version', 'print the version')
    // main() prints usage errors as one line with a hint; commander's own message would be a second copy.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  for (const [name, entry] of Object.entries(COMMANDS)) {
    if (name === loaded?.name) loaded.module.register(program);
    else program.command(name).description(entry.summary);
  }
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** The program for this command line, with only the named sub-command's module imported. */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const name = commandNamed(argv);
  if (name === undefined) return buildProgram();
  return buildProgram({ name, module: await (COMMANDS[name] as CommandEntry).load() });
}

/** `missing required argument 'input'` + where to look: one line, no help dump. */
function usageError(error: CommanderError, argv: readonly string[]): string {
  const reason = error.message.replace(/^error: /, '');
  const name = commandNamed(argv);
  return `lakehouse: ${reason} (see \`lakehouse${name ? ` ${name}` : ''} --help\`)\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await programFor(argv)).parseAsync([...argv]);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures; commander already printed them.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return 0;
      // `lakehouse` alone: commander printed the help (on stderr), which is the hint.
      if (error.code !== 'commander.help') process.stderr.write(usageError(error, argv));
      return 2;
    }
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`lakehouse: ${reason}\n`);
    if (!isLakehouseError(error) && process.env.LAKEHOUSE_DEBUG) console.error(error);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv);
