// The CLI on CSV input it cannot read as asked, and on an output it cannot write: one line `lakehouse: <reason>` on
// stderr, a non-zero exit, nothing on stdout and nothing half-written — and the flags that fix the first case.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventRecords } from '../../../src/sample/generate.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { csvCell } from '../formats/csv-rows.ts';

const dir = tempDir();
const COLUMNS = 'event_id,user_id,event_type,event_ts,amount,country,session_id';

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, ['src/cli/bin.mjs', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Generated events as CSV rows without the properties column (every cell plain). */
function rows(count: number, delimiter: string): string[] {
  return [...eventRecords(count, { seed: 8, invalidRate: 0 })].map((line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    return COLUMNS.split(',')
      .map((c) => csvCell(record[c], delimiter))
      .join(delimiter);
  });
}

function lastLine(stderr: string): string {
  return stderr.trim().split('\n').at(-1) ?? '';
}

describe('lakehouse convert/ingest on CSV layouts and unwritable outputs', () => {
  const noHeader = join(dir, 'no-header.csv');
  writeFileSync(noHeader, rows(40, ';').join('\n') + '\n');

  it('a CSV without a header row is one clear line and exit 1, with nothing written', () => {
    const out = join(dir, 'never');
    const { status, stdout, stderr } = lakehouse('convert', noHeader, '--contract', 'events', '--out', out);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^lakehouse: CSV .*no-header\.csv has no header row: .*--no-header --columns/);
    expect(existsSync(out)).toBe(false);
  });

  it('--no-header --columns reads it, detecting the ";" delimiter: every row one record', () => {
    const out = join(dir, 'out');
    const { status, stdout, stderr } = lakehouse(
      'convert',
      noHeader,
      '--contract',
      'events',
      '--out',
      out,
      '--no-header',
      '--columns',
      COLUMNS,
    );
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ received: 40, accepted: 40, quarantined: 0 });
  });

  it.each([
    [['--no-header'], /^lakehouse: --no-header needs --columns <a,b,c>/],
    [
      ['--columns', COLUMNS],
      /^lakehouse: --columns names the columns of a CSV file without a header row: add --no-header$/,
    ],
  ])('%j alone is refused with what is missing', (flags, message) => {
    const { status, stderr } = lakehouse(
      'convert',
      noHeader,
      '--contract',
      'events',
      '--out',
      join(dir, 'x'),
      ...flags,
    );
    expect(status).toBe(1);
    expect(lastLine(stderr)).toMatch(message);
  });

  it('an --out that cannot be created (a file in the way, even for root) is one line naming the cause', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const input = join(dir, 'ok.csv');
    writeFileSync(input, [COLUMNS, ...rows(5, ',')].join('\n') + '\n');
    const { status, stdout, stderr } = lakehouse('convert', input, '--contract', 'events', '--out', join(file, 'out'));
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toBe(
      `lakehouse: creating output directory ${join(file, 'out')}: a part of the path is a file, not a directory (ENOTDIR)`,
    );
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('ingest with a quarantine folder it cannot create is one line, not a stack trace', () => {
    const file = join(dir, 'quarantine-file');
    writeFileSync(file, 'x');
    const input = join(dir, 'bad.csv');
    writeFileSync(input, [COLUMNS, 'not,a,valid,event,row,at,all'].join('\n') + '\n');
    const { status, stderr } = lakehouse(
      'ingest',
      input,
      '--table',
      'raw.events',
      '--contract',
      'events',
      '--warehouse',
      join(dir, 'warehouse'),
      '--quarantine',
      file,
    );
    expect(status).toBe(1);
    expect(lastLine(stderr)).toMatch(
      /^lakehouse: creating quarantine directory .*quarantine-file\/raw\.events: a part of the path is a file, not a directory \(ENOTDIR\)$/,
    );
  });

  it('documents the CSV flags in --help', () => {
    for (const command of ['convert', 'ingest']) {
      const { stdout } = lakehouse(command, '--help');
      expect(stdout).toContain('--no-header');
      expect(stdout).toContain('--columns <a,b,c>');
      expect(stdout).toMatch(/--delimiter <char>\s+CSV delimiter \(default: detected among , ; tab \|/);
    }
  });
});
