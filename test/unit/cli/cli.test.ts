import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.ts';
import { tempDir } from '../../helpers/tmp.ts';

const dir = tempDir();
const markdown = join(dir, 'notes.md');
writeFileSync(markdown, '# notes');
const out = join(dir, 'never');
function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, ['src/cli/bin.mjs', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('lakehouse CLI', () => {
  it('has --help for every sub-command', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(names).toEqual(
      expect.arrayContaining([
        'run',
        'sample',
        'convert',
        'ingest',
        'serve',
        'query',
        'tables',
        'snapshots',
        'maintain',
      ]),
    );
    for (const name of names) {
      const { status, stdout } = lakehouse(name, '--help');
      expect(status, name).toBe(0);
      expect(stdout).toContain(`Usage: lakehouse ${name}`);
    }
  });

  it('convert prints one JSON summary on stdout and writes Parquet plus quarantine', () => {
    const sample = lakehouse('sample', '--out', dir, '--events', '500', '--datasets', 'events', '--seed', '5');
    expect(sample.status).toBe(0);
    const input = JSON.parse(sample.stdout).files.events.path as string;
    const out = join(dir, 'out');
    const { status, stdout, stderr } = lakehouse('convert', input, '--contract', 'events', '--out', out);
    expect(status, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0] as string);
    expect(summary.received).toBe(500);
    expect(summary.accepted + summary.quarantined).toBe(500);
    expect(summary.files[0].records).toBe(summary.accepted);
    const quarantine = readFileSync(join(out, 'quarantine.ndjson'), 'utf8').trim().split('\n');
    expect(quarantine).toHaveLength(summary.quarantined);
    expect(JSON.parse(quarantine[0] as string)).toMatchObject({ source: input, reason: expect.any(String) });
    expect(summary.engine).toBe('fast');
    // The general engine gives the same counts and the same quarantine, entry for entry.
    const general = lakehouse(
      'convert',
      input,
      '--contract',
      'events',
      '--out',
      join(dir, 'general'),
      '--engine',
      'general',
    );
    expect(general.status, general.stderr).toBe(0);
    expect(JSON.parse(general.stdout)).toMatchObject({ engine: 'general', accepted: summary.accepted });
    expect(readFileSync(join(dir, 'general', 'quarantine.ndjson'), 'utf8')).toBe(
      readFileSync(join(out, 'quarantine.ndjson'), 'utf8'),
    );
  });

  it.each([
    [['convert', 'missing.ndjson', '--contract', 'events', '--out', out], /no such file: missing.ndjson/],
    [
      ['convert', markdown, '--contract', 'events', '--out', out],
      /unsupported input format "md".*supported formats are json, ndjson, csv, parquet/,
    ],
    [['convert', markdown, '--contract', 'nope', '--out', out], /unknown contract "nope"/],
    [['convert', markdown, '--contract', 'events', '--out', out, '--engine', 'turbo'], /--engine must be auto, fast/],
    [['convert', markdown, '--contract', 'events', '--out', out, '--threads', 'x'], /--threads must be a non-negative/],
  ])('fails with a one-line reason: %j', (args, reason) => {
    const { status, stdout, stderr } = lakehouse(...args);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
    expect(existsSync(out)).toBe(false); // nothing left behind
  });

  it('rejects a bad contract file with the reason', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { a: { type: 'string' } },
      }),
    );
    const { status, stderr } = lakehouse('convert', path, '--contract', path, '--out', dir);
    expect(status).toBe(1);
    expect(stderr).toMatch(/x-lakehouse/);
  });

  it('exits 2 on a usage error', () => {
    expect(lakehouse('convert').status).toBe(2);
    expect(lakehouse('no-such-command').status).toBe(2);
  });
});
