#!/usr/bin/env node
// The `lakehouse` executable. The library is TypeScript run by Node 22's type stripping; on an older Node this
// shim re-runs itself with the Node 22 that `npm start` / `npm test` installed, or says what to do.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  // V8's compiled code for the JavaScript dependencies (commander, AWS SDK, …) is kept on disk between runs (in the
  // OS temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off): a quarter off `lakehouse tables`, measured.
  module.enableCompileCache();
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv);
} else {
  const version = readFileSync(join(here, '../../.nvmrc'), 'utf8').trim();
  const cache =
    process.env.LAKEHOUSE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lakehouse');
  const platform = `node-${process.platform === 'darwin' ? 'darwin' : 'linux'}-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
  const node = join(cache, `node-${version}`, 'node_modules', platform, 'bin', 'node');
  if (!existsSync(node)) {
    process.stderr.write(
      `lakehouse: needs Node >= 22.18 (this is ${process.versions.node}); run \`npm start\` once to install it, or use nvm\n`,
    );
    process.exit(1);
  }
  const result = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
