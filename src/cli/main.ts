// The `lakehouse` command line. Each sub-command lives in commands/<name>.ts and registers itself.
// Contract: progress and logs on stderr, one JSON summary object on stdout; a fatal error prints one line
// `lakehouse: <reason>` on stderr and exits non-zero (2 for usage errors, 1 otherwise).
import { Command, CommanderError } from 'commander';
import { fileURLToPath } from 'node:url';
import { isLakehouseError } from '../errors.ts';
import { register as registerConvert } from './commands/convert.ts';
import { register as registerDemo } from './commands/demo.ts';
import { register as registerSample } from './commands/sample.ts';
import { register as registerServe } from './commands/serve.ts';

export function buildProgram(): Command {
  const program = new Command('lakehouse')
    .description('An AWS data lakehouse as code, and the record pipeline that runs inside it — locally too.')
    .showHelpAfterError()
    .exitOverride();
  for (const register of [registerSample, registerConvert, registerServe, registerDemo]) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
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
