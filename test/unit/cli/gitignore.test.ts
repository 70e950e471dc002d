// Following the README's examples leaves nothing for `git status` to show: every output folder they write to
// (`--out <dir>`) is ignored.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

describe('.gitignore', () => {
  it("covers the output folders of the README's example commands", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const outputs = [...readme.matchAll(/^npx lakehouse .*--out (\S+)/gm)].map((m) => m[1] as string);
    expect(outputs.length).toBeGreaterThanOrEqual(2);
    for (const dir of outputs) {
      const file = join(dir, 'part-00000.parquet');
      const result = spawnSync('git', ['check-ignore', '--no-index', '-q', file], { cwd: root });
      expect(result.status, `${file} is not ignored`).toBe(0);
    }
  });
});
