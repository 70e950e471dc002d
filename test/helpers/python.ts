import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** The interpreter of a project venv; a missing venv fails the test (set-up installs it), it never skips. */
export function venvPython(name: string): string {
  const python = join(root, '.venvs', name, 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(`missing Python venv .venvs/${name}: run \`bash scripts/bootstrap.sh --python\` (npm test does)`);
  }
  return python;
}

/** Runs a Python script with a JSON argument and parses the JSON it prints. */
export function runPythonJson<T>(venv: string, script: string, arg: unknown): T {
  const out = execFileSync(venvPython(venv), [script, JSON.stringify(arg)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out) as T;
}
