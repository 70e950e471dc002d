import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// Every directory made here is removed after the test file, wherever tempDir() was called: at the top of the
// file, in a helper, or inside a test (where a hook of its own could no longer be registered). Test files run
// isolated, so each imports this module afresh and registers this hook on its own root suite.
const made = new Set<string>();
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
});

/** A temporary directory removed after the test file. */
export function tempDir(prefix = 'lakehouse-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
