// The `lakehouse` command line. Each sub-command lives in commands/<name>.ts and registers itself.
// Contract: progress and logs on stderr, one JSON summary object on stdout; a fatal error prints one line
// `lakehouse: <reason>` on stderr and exits non-zero (2 for usage errors, 1 otherwise).
import { Command, CommanderError } from 'commander';
import { fileURLToPath } from 'node:url';
import { isLakehouseError } from '../errors.ts';
import { register as registerConvert } from './commands/convert.ts';
import { register as registerIngest } from './commands/ingest.ts';
import { register as registerMaintain } from './commands/maintain.ts';
import { register as registerQuery } from './commands/query.ts';
import { register as registerRun } from './commands/run.ts';
import { register as registerSample } from './commands/sample.ts';
import { register as registerServe } from './commands/serve.ts';
import { register as registerSnapshots } from './commands/snapshots.ts';
import { register as registerTables } from './commands/tables.ts';

export function buildProgram(): Command {
  const program = new Command('lakehouse')
    .description('An AWS data lakehouse as code, and the record pipeline that runs inside it — locally too.')
    .showHelpAfterError()
    .exitOverride();
  const commands = [
    registerRun,
    registerSample,
    registerConvert,
    registerIngest,
    registerServe,
    registerQuery,
    registerTables,
    registerSnapshots,
    registerMaintain,
  ];
  for (const register of commands) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures; commander already printed them.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : 2;
    }
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`lakehouse: ${reason}\n`);
    if (!isLakehouseError(error) && process.env.LAKEHOUSE_DEBUG) console.error(error);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv);
