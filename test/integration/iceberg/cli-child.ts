// The iceberg commands under a commander program of their own, for child processes in these tests (the same
// `register` functions src/cli/main.ts mounts), with main's error convention.
import { Command, CommanderError } from 'commander';
import { register as registerIngest } from '../../../src/cli/commands/ingest.ts';
import { register as registerMaintain } from '../../../src/cli/commands/maintain.ts';
import { register as registerQuery } from '../../../src/cli/commands/query.ts';
import { register as registerSnapshots } from '../../../src/cli/commands/snapshots.ts';
import { register as registerTables } from '../../../src/cli/commands/tables.ts';

const program = new Command('lakehouse').exitOverride();
for (const register of [registerIngest, registerTables, registerSnapshots, registerMaintain, registerQuery])
  register(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
  process.stderr.write(`lakehouse: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.LAKEHOUSE_DEBUG) console.error(error);
  process.exitCode = 1;
}
