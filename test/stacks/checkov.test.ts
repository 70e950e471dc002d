// checkov over the synthesized Terraform JSON of every environment: no finding without a written reason.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CHECKOV_SKIPS } from './checkov-skips.ts';
import { synthAll } from './helpers/synth.ts';

const CHECKOV = resolve('.venvs/checkov/bin/checkov');

interface Finding {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
}
interface Report {
  readonly check_type: string;
  readonly summary: { passed: number; failed: number; parsing_errors: number };
  readonly results: { failed_checks: Finding[] };
}

describe('checkov', () => {
  it('reports no failed check that is not listed with a reason in checkov-skips.ts', async () => {
    if (!existsSync(CHECKOV))
      throw new Error(`${CHECKOV} is missing: run \`bash scripts/bootstrap.sh --python\` to build the checkov venv`);
    const { outdir, stacks } = synthAll();
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        CHECKOV,
        ['-d', join(outdir, 'stacks'), '--framework', 'terraform_json', '-o', 'json', '--quiet', '--skip-download'],
        { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' } },
      ));
    } catch (error) {
      // checkov exits 1 when a check fails; the report is still on stdout.
      const e = error as { stdout?: string; stderr?: string; code?: number };
      if (e.code !== 1 || !e.stdout) throw new Error(`checkov failed: ${e.stderr ?? String(error)}`, { cause: error });
      stdout = e.stdout;
    }
    const parsed = JSON.parse(stdout) as Report | Report[];
    const reports = Array.isArray(parsed) ? parsed : [parsed];
    const report = reports.find((r) => r.check_type === 'terraform_json');
    expect(report, 'checkov produced no terraform_json report').toBeDefined();
    expect(report?.summary.parsing_errors).toBe(0);
    // checkov really looked at every stack: many checks passed.
    expect(report?.summary.passed).toBeGreaterThan(stacks.length * 20);

    const used = new Set<number>();
    const unexplained: string[] = [];
    for (const f of report?.results.failed_checks ?? []) {
      const stack = f.file_path.split('/').find((p) => p.startsWith('lakehouse-')) ?? f.file_path;
      const where = `${stack}:${f.resource}`;
      const skip = CHECKOV_SKIPS.findIndex((s) => s.check === f.check_id && s.resources.test(where));
      if (skip < 0) unexplained.push(`${f.check_id} ${f.check_name} — ${where}`);
      else used.add(skip);
    }
    expect(unexplained).toEqual([]);
    const stale = CHECKOV_SKIPS.filter((_, i) => !used.has(i)).map((s) => s.check);
    expect(stale, 'skips that no longer match a finding; delete them').toEqual([]);
  });
});
